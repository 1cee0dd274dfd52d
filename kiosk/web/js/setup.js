// First set-up of a kiosk: staff paste the enrolled device token once; it is kept on this device.

export const TOKEN_KEY = "reflect.kiosk_token";

/** The token from ?token= (then removed from the address bar) or from this device's storage. */
export function kioskToken() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get("token");
  if (fromUrl) {
    localStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete("token");
    // Keep the secret out of the address bar and history.
    history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
    return fromUrl;
  }
  return localStorage.getItem(TOKEN_KEY);
}

/** Show the staff set-up form (no token, or the server refused it); saving connects again. */
export function offerSetup(doc, conn) {
  const box = doc.getElementById("kiosk-setup");
  const form = doc.getElementById("setup-form");
  box.hidden = false;
  if (form.dataset.wired) return;
  form.dataset.wired = "1";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = form.token.value.trim();
    if (!token) return;
    localStorage.setItem(TOKEN_KEY, token);
    form.reset();
    box.open = false;
    box.hidden = true;
    doc.getElementById("code-error").textContent = "";
    conn.token = token;
    conn.attempt = 0;
    conn.connect();
  });
}
