// Per-visit display and speech preferences. A public kiosk resets them for every new client.

export const PATIENCE_MS = { short: 500, normal: 800, long: 1600 };
// Up to 200% text: the layout keeps each screen's main button visible at every step.
const SCALES = [0.85, 1, 1.2, 1.4, 1.7, 2];

// `langChosen`: false until the client picks a language on this kiosk; until then the session
// runs in the language its therapist created it with ("auto"), and the screens follow it.
export function defaultPreferences(lang = "en") {
  return {
    lang, langChosen: false, scaleIndex: 1, highContrast: false, typeMode: false, rate: 1,
    patience: "normal",
  };
}

/** Apply the visual preferences to the document. */
export function applyDisplay(doc, prefs) {
  const scale = SCALES[prefs.scaleIndex];
  doc.documentElement.style.setProperty("--scale", String(scale));
  const shown = doc.getElementById("text-size-value");
  if (shown) shown.textContent = `${Math.round(scale * 100)}%`;
  doc.body.classList.toggle("high-contrast", prefs.highContrast);
  doc.body.classList.toggle("type-mode", prefs.typeMode);
}

export function changeScale(prefs, step) {
  const scaleIndex = Math.max(0, Math.min(SCALES.length - 1, prefs.scaleIndex + step));
  return { ...prefs, scaleIndex };
}

/** The `settings` message the server needs for speech (protocol.md). */
export function speechSettingsMessage(prefs) {
  return {
    type: "settings",
    lang: prefs.langChosen ? prefs.lang : "auto",
    tts_rate: prefs.rate,
    end_silence_ms: PATIENCE_MS[prefs.patience] ?? PATIENCE_MS.normal,
  };
}

/** Reflect preferences into the settings dialog's controls. */
export function syncDialog(doc, prefs) {
  for (const input of doc.querySelectorAll('input[name="lang"]')) input.checked = input.value === prefs.lang;
  for (const input of doc.querySelectorAll('input[name="rate"]')) input.checked = Number(input.value) === prefs.rate;
  for (const input of doc.querySelectorAll('input[name="patience"]')) input.checked = input.value === prefs.patience;
  doc.getElementById("contrast-toggle").checked = prefs.highContrast;
  doc.getElementById("type-toggle").checked = prefs.typeMode;
}
