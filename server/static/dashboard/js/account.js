// Own account: the forced one-time-password change, password change, two-step sign-in (TOTP).

import { formatTime, h } from "./dom.js";

const MIN_LENGTH = 12;

/** The password rules as the server applies them (GET /api/auth/password-rules), as a list. */
export function passwordRules(id) {
  const list = h("ul", { class: "hint password-rules", id });
  fetch("/api/auth/password-rules", { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
    .then((data) => list.replaceChildren(...data.rules.map((rule) => h("li", {}, rule)), h("li", {}, data.advice)))
    .catch(() => list.replaceChildren(h("li", {}, `At least ${MIN_LENGTH} characters; a refused password says which rule it broke.`)));
  return list;
}

function field(id, label, attrs = {}, hint = null) {
  const hintId = hint ? `${id}-hint` : undefined;
  return h("div", {},
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("input", { id, name: id, "aria-describedby": hintId, ...attrs }));
}

function passwordError(err) {
  return {
    wrong_password: "The current password is wrong.",
    weak_password: `That new password is not accepted: ${err.message || "choose a longer, less common one."}`,
    rate_limited: "Too many wrong passwords. Wait a minute, then try again.",
  }[err.code] ?? `The password could not be changed (${err.code}).`;
}

/** The password change form; onChanged(signedIn) runs after the server accepted it. */
export function passwordForm(app, { forced = false, onChanged }) {
  const error = h("p", { class: "error", role: "alert", id: "password-error" });
  const form = h("form", { class: "stack card", id: "password-form" },
    field("current-password", forced ? "One-time password" : "Current password",
      { type: "password", autocomplete: "current-password", required: true }),
    h("div", {},
      h("label", { for: "new-password" }, "New password"),
      h("p", { class: "hint", id: "new-password-hint" }, "The new password must be:"),
      passwordRules("new-password-rules"),
      h("input", { id: "new-password", name: "new-password", type: "password", autocomplete: "new-password", required: true, minlength: MIN_LENGTH, maxlength: 128, "aria-describedby": "new-password-hint new-password-rules" })),
    field("confirm-password", "New password again",
      { type: "password", autocomplete: "new-password", required: true, minlength: MIN_LENGTH }),
    error,
    h("button", { type: "submit", class: "btn btn-primary" }, "Change password"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const current = form["current-password"].value;
    const fresh = form["new-password"].value;
    if (fresh !== form["confirm-password"].value) {
      error.textContent = "The two new passwords do not match.";
      form["confirm-password"].focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const data = await app.api.changePassword(current, fresh);
      form.reset();
      await onChanged(data);
    } catch (err) {
      error.textContent = passwordError(err);
      (err.code === "wrong_password" ? form["current-password"] : form["new-password"]).focus();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** Shown right after signing in with a one-time password, before anything else. */
export function forcedPasswordView(app) {
  return [
    h("h1", {}, "Choose your own password"),
    h("p", {}, "You signed in with a one-time password (set by an administrator, or printed when the server first started). ",
      "Choose your own password to continue. Nothing else is available until you do."),
    passwordForm(app, { forced: true, onChanged: (data) => app.passwordChanged(data) }),
  ];
}

function groupSecret(secret) {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

function totpSection(app, account, rerender) {
  const note = h("p", { role: "status", id: "totp-status" });
  if (account.totp_enabled) {
    const form = h("form", { class: "stack card", id: "totp-disable-form" },
      field("totp-off-password", "Your password", { type: "password", autocomplete: "current-password", required: true }),
      h("button", { type: "submit", class: "btn" }, "Turn off two-step sign-in"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await app.api.post("/api/me/totp/disable", { password: form["totp-off-password"].value });
        rerender("Two-step sign-in is off.");
      } catch (err) {
        note.textContent = err.code === "wrong_password" ? "That password is wrong." : `Could not turn it off (${err.code}).`;
      }
    });
    return [h("p", {}, "Two-step sign-in is ", h("strong", {}, "on"), ": signing in asks for the code from your authenticator app."),
      recoverySection(app, account), form, note];
  }
  const setup = h("div", { id: "totp-setup" });
  const start = h("button", { type: "button", class: "btn btn-primary", id: "totp-start" }, "Set up two-step sign-in");
  start.addEventListener("click", async () => {
    try {
      const data = await app.api.post("/api/me/totp/setup");
      start.hidden = true;
      setup.replaceChildren(...totpConfirm(app, data, rerender));
      setup.querySelector("input")?.focus();
    } catch (err) {
      note.textContent = `Could not start the set-up (${err.code}).`;
    }
  });
  return [h("p", {}, "Two-step sign-in is ", h("strong", {}, "off"), ". With it on, signing in also needs a 6-digit code from an authenticator app on your phone."),
    start, setup, note];
}

function totpConfirm(app, data, rerender) {
  const error = h("p", { class: "error", role: "alert", id: "totp-error" });
  const form = h("form", { class: "stack", id: "totp-confirm-form" },
    field("totp-code", "Code from the app", { inputmode: "numeric", autocomplete: "one-time-code", required: true, pattern: "[0-9]{6,8}", maxlength: 8 }),
    error,
    h("button", { type: "submit", class: "btn btn-primary" }, "Turn on two-step sign-in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const done = await app.api.post("/api/me/totp/confirm", { code: form["totp-code"].value.trim() });
      const box = form.closest("#totp-setup");
      box.replaceChildren(recoveryCard(done.recovery_codes, "Two-step sign-in is on.",
        () => rerender("Two-step sign-in is on. Keep your phone, or a recovery code, with you when you sign in.")));
      box.querySelector("h3")?.focus();
    } catch (err) {
      error.textContent = {
        totp_invalid: "That code does not match. Check the phone's clock and enter the next code.",
        totp_setup_required: "The set-up expired (for example after a server restart). Start again.",
        invalid_input: "Enter the 6-digit code the app shows.",
      }[err.code] ?? `Could not turn it on (${err.code}).`;
    }
  });
  return [h("div", { class: "card" },
    h("ol", {},
      h("li", {}, "In your authenticator app, add an account and scan this QR code with the phone's camera:",
        h("img", { src: data.qr, id: "totp-qr", class: "totp-qr qr", width: 220, height: 220, alt: "QR code to add Reflect to your authenticator app" }),
        "If the app is on this device and can open links, use this one instead: ",
        h("a", { href: data.otpauth_uri, id: "totp-uri" }, "add Reflect to the authenticator app")),
      h("li", {}, "Or enter this key by hand (type: time-based, issuer ", data.issuer, "):",
        h("p", { class: "token", id: "totp-secret" }, groupSecret(data.secret))),
      h("li", {}, "Enter the code the app now shows.")),
    h("p", { class: "hint" }, "Set-up address: ", h("span", { class: "token", id: "totp-uri-text" }, data.otpauth_uri)),
    form)];
}

/** New recovery codes, shown once, with what they are for; onDone after "I have saved them". */
function recoveryCard(codes, heading, onDone) {
  return h("div", { class: "card", id: "recovery-card" },
    h("h3", { tabindex: "-1" }, heading, " Save your recovery codes"),
    h("p", {}, "If your phone is lost, each of these codes signs you in once instead of the authenticator code. ",
      "Print them or write them down and keep them somewhere safe; they are shown only now."),
    h("ul", { class: "recovery-codes", id: "recovery-codes" }, codes.map((c) => h("li", {}, c))),
    h("button", { type: "button", class: "btn btn-primary", id: "recovery-done", onclick: onDone }, "I have saved them"));
}

/** With two-step sign-in on: how many recovery codes are left, and a password-checked new set. */
function recoverySection(app, account) {
  const left = account.recovery_codes_left ?? 0;
  const shown = h("div", { id: "recovery-new" });
  const form = h("form", { class: "stack card", id: "recovery-form" },
    h("p", { id: "recovery-left" }, `Recovery codes left: ${left} of 10.`, left <= 3 ? " Make new ones soon." : ""),
    field("recovery-password", "Your password", { type: "password", autocomplete: "current-password", required: true }),
    h("button", { type: "submit", class: "btn" }, "Make new recovery codes"),
    h("p", { class: "error", role: "alert", id: "recovery-error" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const data = await app.api.post("/api/me/recovery-codes", { password: form["recovery-password"].value });
      form.hidden = true;
      shown.replaceChildren(recoveryCard(data.recovery_codes, "New recovery codes; the old ones no longer work.", () => app.route()));
      shown.querySelector("h3")?.focus();
    } catch (err) {
      form.querySelector("#recovery-error").textContent = err.code === "wrong_password" ? "That password is wrong." : `Could not make new codes (${err.code}).`;
    }
  });
  return [form, shown];
}

/** #/account: who I am, change password, two-step sign-in. */
export async function accountView(app, flash = "") {
  let account;
  try {
    account = await app.api.get("/api/me");
  } catch (err) {
    return [h("h1", {}, "Account"), h("p", { class: "error" }, `Not available (${err.code}).`)];
  }
  const rerender = (message) => app.route().then(() => {
    const status = document.getElementById("account-flash");
    if (status) status.textContent = message;
  });
  const changed = h("p", { role: "status", id: "password-status" });
  return [
    h("h1", {}, "Account"),
    h("p", { role: "status", id: "account-flash" }, flash),
    h("p", {}, `Signed in as ${account.username} (${account.role.replace("_", " ")})`,
      account.last_login_at ? ` · previous sign-in ${formatTime(account.last_login_at)}` : ""),
    h("h2", {}, "Change password"),
    passwordForm(app, { onChanged: () => { changed.textContent = "Password changed. Any other browser signed in as you was signed out."; } }),
    changed,
    h("h2", {}, "Two-step sign-in"),
    totpSection(app, account, rerender),
  ];
}
