// Idle logoff as a lock (HIPAA 164.312(a)(2)(iii)): after the idle time the screen hides all
// client text but stays connected, so urgent alerts still show and sound; the password (or the
// authenticator code) unlocks it.

import { h } from "./dom.js";

const ACTIVITY = ["pointerdown", "keydown", "wheel", "touchstart", "mousemove"];
// Live events a locked screen still applies: none of them carries client text.
export const WHILE_LOCKED = new Set(["session_created", "session_joined", "consent", "risk_alert", "alert_acknowledged", "alert_escalated", "call_in_sent", "session_ended", "kiosk_status", "session_status", "session_cancelled"]);

/** Calls onIdle after `seconds` without input; tells the server about activity now and then. */
export class IdleWatch {
  constructor({ onIdle, onActive }) {
    this.onIdle = onIdle;
    this.onActive = onActive;
    this.seconds = 0;
    this.timer = null;
    this.lastPing = 0;
    this.armed = false;
    this.handler = () => this.activity();
  }

  start(seconds) {
    this.seconds = seconds;
    this.armed = true;
    for (const type of ACTIVITY) document.addEventListener(type, this.handler, { passive: true });
    this.reset();
  }

  stop() {
    this.armed = false;
    clearTimeout(this.timer);
    for (const type of ACTIVITY) document.removeEventListener(type, this.handler);
  }

  reset() {
    clearTimeout(this.timer);
    if (this.armed && this.seconds > 0) this.timer = setTimeout(() => this.onIdle(), this.seconds * 1000);
  }

  activity() {
    if (!this.armed) return;
    this.reset();
    // The server locks on its own clock too: keep it in step, at most a few times per period.
    const now = Date.now();
    if (now - this.lastPing > Math.max(2000, (this.seconds * 1000) / 4)) {
      this.lastPing = now;
      this.onActive();
    }
  }
}

/** The lock screen: who is signed in, and re-entry with the password or the code. */
export function lockView(app) {
  const error = h("p", { class: "error", role: "alert", id: "unlock-error" });
  const form = h("form", { class: "stack card", id: "unlock-form" },
    h("div", {}, h("label", { for: "unlock-password" }, "Password"), h("input", { id: "unlock-password", type: "password", autocomplete: "current-password" })),
    h("div", {}, h("label", { for: "unlock-totp" }, "Or the authenticator code ", h("span", { class: "hint" }, "(if two-step sign-in is on; or one of your recovery codes)")),
      h("input", { id: "unlock-totp", autocomplete: "one-time-code", maxlength: 24 })),
    error,
    h("button", { type: "submit", class: "btn btn-primary" }, "Unlock"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await app.unlock(form["unlock-password"].value, form["unlock-totp"].value.trim());
    } catch (err) {
      error.textContent = err.code === "locked" ? "Too many attempts: the account is locked for a while." : "That did not match. Try again.";
    }
  });
  const who = app.user ? app.user.display_name || app.user.username : "";
  return [
    h("h1", {}, "Screen locked"),
    h("p", { id: "lock-note" }, `Locked after inactivity. ${who ? `Signed in as ${who}. ` : ""}Urgent alerts still appear here and sound; client text is hidden until you unlock.`),
    form,
  ];
}
