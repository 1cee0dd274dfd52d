// First set-up of a kiosk: staff open the one-time enrolment link (or paste the device token);
// the token is then kept on this device only.

export const TOKEN_KEY = "reflect.kiosk_token";

/** This device's stored token, if it was set up. */
export function kioskToken() {
  return localStorage.getItem(TOKEN_KEY);
}

/**
 * Exchange a one-time enrolment link (`/kiosk/#enrol=CODE`) for the device token.
 * The code rides in the fragment, which browsers never send, so no access log sees it; the
 * token itself travels only in this POST's answer. Returns the token, or null.
 */
export async function redeemEnrolLink() {
  const code = new URLSearchParams(location.hash.slice(1)).get("enrol");
  if (!code) return null;
  // Off the address bar and history at once, whether or not the code still works.
  history.replaceState(null, "", `${location.pathname}${location.search}`);
  try {
    const response = await fetch("/api/kiosk/enrol", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code }),
    });
    if (!response.ok) return null;
    const { token } = await response.json();
    localStorage.setItem(TOKEN_KEY, token);
    return token;
  } catch {
    return null;
  }
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
