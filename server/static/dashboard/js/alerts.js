// Urgent alerts: a banner per open alert that stays until acknowledged, and a Web Audio beep.

const CATEGORY_TEXT = {
  suicide: "suicide risk",
  self_harm: "self-harm",
  harm_others: "risk of harm to others",
  abused: "abuse or danger disclosed",
};

export function describeAlert(alert) {
  const categories = (alert.categories ?? []).map((c) => CATEGORY_TEXT[c] ?? c).join(", ");
  return `Level ${alert.level ?? "?"}${categories ? ` — ${categories}` : ""}`;
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

/** Render one banner per open urgent alert; onAcknowledge(alertId) acknowledges it. */
export function renderBanners(container, alerts, { sessionLabel, onAcknowledge }) {
  container.replaceChildren();
  for (const alert of alerts) {
    const banner = document.createElement("div");
    banner.className = "alert-banner";
    banner.setAttribute("role", "alert");
    banner.dataset.alertId = alert.alert_id;
    const title = document.createElement("strong");
    title.textContent = `Urgent risk alert: ${describeAlert(alert)}${alert.not_saved ? " (not saved yet)" : ""}`;
    const link = document.createElement("a");
    link.href = `#/session/${encodeURIComponent(alert.session_id)}`;
    link.textContent = `Open ${sessionLabel(alert.session_id)}`;
    const ack = document.createElement("button");
    ack.type = "button";
    ack.className = "btn";
    ack.textContent = "Acknowledge";
    ack.addEventListener("click", () => {
      ack.disabled = true;
      onAcknowledge(alert.alert_id).finally(() => {
        ack.disabled = false;
      });
    });
    banner.append(title, link, ack);
    container.append(banner);
  }
}
