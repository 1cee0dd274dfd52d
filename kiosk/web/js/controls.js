// The kiosk's buttons, forms and settings dialog: what a tap sends (docs/protocol.md). `app` is
// the page's state and parts (main.js builds it).

import { digitsOnly } from "./keypad.js";
import { applyDisplay, changeScale, syncDialog } from "./preferences.js";
import { wireStaffClear } from "./crisis_hold.js";
import { approveMessages } from "./review.js";

const $ = (id) => document.getElementById(id);

export function wireControls(app) {
  digitsOnly($("code-input"));
  $("code-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = $("code-input").value.trim();
    if (code.length < 4) {
      $("code-error").textContent = app.ui.t("code.invalid");
      return;
    }
    $("code-error").textContent = "";
    await app.playback.unlock(); // a tap: audio may start from here on
    app.sendSettings();
    app.conn.send({ type: "join", code });
  });
  $("consent-accept").addEventListener("click", () => app.conn.send({ type: "consent", accepted: true, consent_version: app.ui.consentVersion }));
  $("consent-decline").addEventListener("click", () => app.conn.send({ type: "consent", accepted: false, consent_version: app.ui.consentVersion }));
  $("conv-done").addEventListener("click", () => {
    app.conn.send({ type: "end" });
    // Typing: the next question (the focus one) is answered in the box, so go there.
    if (app.ui.prefs.typeMode) $("type-input").focus();
  });
  $("type-instead").addEventListener("click", () => {
    app.setTypeMode(!app.ui.prefs.typeMode);
    if (app.ui.prefs.typeMode) $("type-input").focus();
  });
  $("type-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("type-input").value.trim();
    if (!text || app.ui.activity === "thinking") return;
    if (app.playback.playing) app.interrupt();
    if (app.conn.send({ type: "text", text })) $("type-input").value = "";
  });
  $("type-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("type-form").requestSubmit();
    }
  });
  for (const radio of document.querySelectorAll('input[name="mic-mode"]')) {
    radio.addEventListener("change", () => app.voice.setMode(radio.value));
  }
  $("review-approve").addEventListener("click", () => approveMessages().forEach((m) => app.conn.send(m)));
  $("feedback-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const rating = document.querySelector('input[name="rating"]:checked');
    const comment = $("feedback-comment").value.trim();
    const message = { type: "feedback", rating: rating ? Number(rating.value) : null };
    if (comment) message.comment = comment;
    app.conn.send(message);
  });
  $("feedback-skip").addEventListener("click", () => app.conn.send({ type: "feedback", rating: null }));
  $("message-finish").addEventListener("click", app.resetKiosk);
  $("end-erase").addEventListener("click", () => $("end-dialog").showModal());
  $("end-no").addEventListener("click", () => $("end-dialog").close());
  $("end-yes").addEventListener("click", () => {
    $("end-dialog").close();
    if (!app.conn.send({ type: "erase" })) app.resetKiosk();
  });
  $("idle-continue").addEventListener("click", () => $("idle-dialog").close());
  wireStaffClear(document, { send: (message) => app.conn.send(message) });
  wireSettings(app);
  for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, () => app.idle.poke(), { passive: true });
  // Belt and braces: the inactivity timer never acts on the crisis screen.
  app.idle.onWarn = ((warn) => () => document.body.dataset.screen !== "crisis" && warn())(app.idle.onWarn);
  app.idle.onExpire = ((expire) => () => document.body.dataset.screen !== "crisis" && expire())(app.idle.onExpire);
}

function wireSettings(app) {
  const dialog = $("settings-dialog");
  $("open-settings").addEventListener("click", () => {
    syncDialog(document, app.ui.prefs);
    dialog.showModal();
  });
  $("settings-close").addEventListener("click", () => dialog.close());
  $("lang-switch").addEventListener("click", async () => {
    await app.setLanguage(app.ui.prefs.lang === "en" ? "es" : "en", { chosen: true });
    app.sendSettings();
  });
  for (const input of dialog.querySelectorAll('input[name="lang"]')) {
    input.addEventListener("change", async () => {
      await app.setLanguage(input.value, { chosen: true });
      app.sendSettings();
    });
  }
  for (const input of dialog.querySelectorAll('input[name="rate"]')) {
    input.addEventListener("change", () => {
      app.ui.prefs = { ...ui.prefs, rate: Number(input.value) };
      app.sendSettings();
    });
  }
  for (const input of dialog.querySelectorAll('input[name="patience"]')) {
    input.addEventListener("change", () => {
      app.ui.prefs = { ...ui.prefs, patience: input.value };
      app.sendSettings();
    });
  }
  $("text-smaller").addEventListener("click", () => applyDisplay(document, (app.ui.prefs = changeScale(app.ui.prefs, -1))));
  $("text-larger").addEventListener("click", () => applyDisplay(document, (app.ui.prefs = changeScale(app.ui.prefs, 1))));
  $("contrast-toggle").addEventListener("change", (event) => {
    app.ui.prefs = { ...ui.prefs, highContrast: event.target.checked };
    applyDisplay(document, app.ui.prefs);
  });
  $("type-toggle").addEventListener("change", (event) => app.setTypeMode(event.target.checked));
}
