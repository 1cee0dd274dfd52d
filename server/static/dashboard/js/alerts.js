// Urgent alerts: a banner per open alert naming the kiosk (room) and the trigger words, that
// stays until acknowledged (with an optional note); the sound repeats and the tab title changes
// while any is open. A locked screen still shows and sounds them, without the words.

const CATEGORY_TEXT = {
  suicide: "suicide risk",
  self_harm: "self-harm",
  harm_others: "risk of harm to others",
  abused: "abuse or danger disclosed",
};
const REPEAT_MS = 10000;
const TITLE_FLASH_MS = 1000;

export function describeAlert(alert) {
  const categories = (alert.categories ?? []).map((c) => CATEGORY_TEXT[c] ?? c).join(", ");
  return `Level ${alert.level ?? "?"}${categories ? ` — ${categories}` : ""}`;
}

/** The matched words of an alert (never the turn around them). */
export function triggerWords(alert) {
  if (alert.trigger_words?.length) return alert.trigger_words;
  return (alert.evidence ?? []).map((e) => e.text).filter(Boolean);
}

/** A short two-tone alert generated with an oscillator (no audio file needed). */
export class Beeper {
  constructor() {
    this.context = null;
    this.count = 0;
  }

  /** Call from a click so the browser lets the page make sound later. */
  unlock() {
    if (!this.context) this.context = new AudioContext();
    if (this.context.state === "suspended") this.context.resume();
  }

  beep() {
    this.unlock();
    const ctx = this.context;
    const start = ctx.currentTime + 0.01;
    for (const [offset, freq] of [[0, 880], [0.25, 660], [0.5, 880]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.22);
    }
    this.count += 1;
    document.body.dataset.beeps = String(this.count);
  }
}

/** While any urgent alert is open: beep again every REPEAT_MS and flash the tab title. */
export class Alarm {
  constructor(beeper) {
    this.beeper = beeper;
    this.repeat = null;
    this.flash = null;
    this.baseTitle = document.title;
    this.text = "";
  }

  update(openAlerts) {
    if (!openAlerts.length) {
      clearInterval(this.repeat);
      clearInterval(this.flash);
      this.repeat = this.flash = null;
      if (this.text) document.title = this.baseTitle;
      this.text = "";
      document.body.dataset.alarm = "off";
      return;
    }
    const rooms = [...new Set(openAlerts.map((a) => a.kiosk_name).filter(Boolean))].join(", ");
    this.text = `⚠ URGENT ALERT${rooms ? ` — ${rooms}` : ""}`;
    document.body.dataset.alarm = "on";
    if (!this.repeat) this.repeat = setInterval(() => this.beeper.beep(), REPEAT_MS);
    if (!this.flash) {
      let on = false;
      this.flash = setInterval(() => {
        on = !on;
        document.title = on || !this.baseTitle ? this.text : this.baseTitle;
      }, TITLE_FLASH_MS);
      document.title = this.text;
    }
  }

  /** The title the page would have without an alarm (route changes set it). */
  setBaseTitle(title) {
    this.baseTitle = title;
    if (!this.text) document.title = title;
  }
}

function el(tag, props = {}, text = "") {
  const node = document.createElement(tag);
  Object.assign(node, props);
  if (text) node.textContent = text;
  return node;
}

/** Render one banner per open urgent alert; onAcknowledge(alertId, note) acknowledges it. */
export function renderBanners(container, alerts, { sessionLabel, onAcknowledge, locked = false, canAcknowledge = () => true }) {
  container.replaceChildren();
  for (const alert of alerts) {
    const banner = el("div", { className: "alert-banner" });
    banner.setAttribute("role", "alert");
    banner.dataset.alertId = alert.alert_id;
    const room = alert.kiosk_name ? ` at ${alert.kiosk_name}` : "";
    const title = el("strong", {}, `Urgent risk alert${room}: ${describeAlert(alert)}${alert.not_saved ? " (not saved yet)" : ""}`);
    banner.append(title);
    const words = triggerWords(alert);
    // A locked screen may be seen by anyone passing: no client words on it.
    if (words.length && !locked) banner.append(el("span", { className: "trigger-words" }, `Trigger words: ${words.map((w) => `“${w}”`).join(" · ")}`));
    if (alert.escalated_at || alert.escalated) banner.append(el("span", { className: "escalated" }, "Not acknowledged in time: front desk and admins were alerted too."));
    if (!locked) {
      const link = el("a", { href: `#/session/${encodeURIComponent(alert.session_id)}` }, `Open ${sessionLabel(alert.session_id)}`);
      banner.append(link);
    }
    if (canAcknowledge(alert)) {
      const noteId = `ack-note-${alert.alert_id}`;
      const label = el("label", { htmlFor: noteId, className: "visually-hidden" }, "Note (optional)");
      const note = el("input", { id: noteId, className: "ack-note", placeholder: "Note (optional): what was done", maxLength: 2000 });
      const ack = el("button", { type: "button", className: "btn" }, "Acknowledge");
      ack.addEventListener("click", () => {
        ack.disabled = true;
        onAcknowledge(alert.alert_id, note.value.trim()).finally(() => {
          ack.disabled = false;
        });
      });
      banner.append(label, note, ack);
    }
    container.append(banner);
  }
}
