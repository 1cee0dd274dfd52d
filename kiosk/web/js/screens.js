// Screen switching with focus management, message screens and the inactivity timer.

const SCREENS = ["code", "consent", "conversation", "review", "feedback", "message", "crisis"];

/** Show one screen, hide the rest, and move focus to its heading for screen readers. */
export function showScreen(doc, name) {
  if (doc.body.dataset.screen === name) return;
  doc.body.dataset.screen = name;
  for (const screen of SCREENS) doc.getElementById(`screen-${screen}`).hidden = screen !== name;
  doc.getElementById("end-erase").hidden = ["code", "message"].includes(name);
  const heading = doc.querySelector(`#screen-${name} h1`);
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
}

/** A thank-you / declined / erased screen. */
export function showMessage(doc, t, titleKey, bodyKey) {
  doc.getElementById("message-title").textContent = t(titleKey);
  doc.getElementById("message-body").textContent = t(bodyKey);
  showScreen(doc, "message");
}

/** Calls onWarn after warnMs without interaction and onExpire graceMs later. */
export class IdleTimer {
  constructor({ warnMs, graceMs, onWarn, onExpire }) {
    Object.assign(this, { warnMs, graceMs, onWarn, onExpire });
    this.timer = null;
    this.active = false;
  }

  start() {
    this.active = true;
    this.poke();
  }

  stop() {
    this.active = false;
    clearTimeout(this.timer);
  }

  poke() {
    clearTimeout(this.timer);
    if (!this.active) return;
    this.timer = setTimeout(() => {
      this.onWarn();
      this.timer = setTimeout(() => this.onExpire(), this.graceMs);
    }, this.warnMs);
  }
}
