// Kiosk page controller: wires the websocket protocol to the screens (docs/protocol.md).

import { Captions, setIndicator } from "./captions.js";
import { KioskConnection } from "./connection.js";
import { applyStrings, loadStrings, translator } from "./i18n.js";
import { buildKeypad, digitsOnly } from "./keypad.js";
import { PlaybackQueue } from "./playback.js";
import { applyDisplay, changeScale, defaultPreferences, speechSettingsMessage, syncDialog } from "./preferences.js";
import { approveMessages, buildRating, renderReview } from "./review.js";
import { IdleTimer, showMessage, showScreen } from "./screens.js";
import { kioskToken, offerSetup, redeemEnrolLink } from "./setup.js";
import { renderConsent, renderCrisis, resetCrisis } from "./content.js";
import { VoiceController } from "./voice.js";
import { resetStaffClear, showNotified, staffPinRejected, wireStaffClear } from "./crisis_hold.js";
import { Resume, restoreTranscript } from "./resume.js";

const CODE_ERRORS = new Set(["code_invalid", "code_expired", "code_used", "rate_limited"]);
const CONVERSATION_STATES = new Set(["opening", "reflecting", "focus"]);
const MESSAGE_CLEAR_MS = 15000;
const $ = (id) => document.getElementById(id);

const ui = {
  t: (key) => key,
  prefs: defaultPreferences(),
  state: "idle",
  activity: "waiting",
  consentVersion: null,
  stoppedTurns: new Set(),
  clearTimer: null,
  endedTurn: null,
};

async function setLanguage(lang) {
  const strings = await loadStrings(lang);
  ui.t = translator(strings);
  ui.prefs = { ...ui.prefs, lang: strings.lang };
  applyStrings(document, ui.t, strings.lang);
  $("lang-switch").setAttribute("lang", strings.lang === "en" ? "es" : "en");
  buildKeypad($("keypad"), $("code-input"), ui.t);
  buildRating($("rating-scale"), ui.t);
  renderTypeToggle();
  updateIndicator();
  voice?.render();
}

function sendSettings() {
  conn.send(speechSettingsMessage(ui.prefs));
}

/** The reply's audio finished playing: the server stops treating speech as a barge-in. */
function sendPlayed() {
  const turn = ui.endedTurn;
  ui.endedTurn = null;
  conn.send({ type: "played", turn });
  document.body.dataset.playedTurn = String(turn);
}

function updateIndicator() {
  let state = "idle";
  if (playback.playing || ui.activity === "speaking") state = "speaking";
  else if (ui.activity === "thinking") state = "thinking";
  else if (ui.activity === "listening" || ui.activity === "hearing") {
    state = voice?.listening || ui.prefs.typeMode ? "listening" : "paused";
    if (ui.prefs.typeMode) state = "idle";
  }
  setIndicator(document, ui.t, state);
  document.body.dataset.activity = state;
  // One turn at a time: a second text while the first is being answered would cut it short.
  $("type-send").disabled = ui.activity === "thinking";
}

function interrupt() {
  conn.send({ type: "barge_in" });
  playback.stop();
}

const playback = new PlaybackQueue({
  onStart: () => {
    updateIndicator();
    voice?.render();
  },
  onIdle: () => {
    updateIndicator();
    voice?.render();
    if (ui.endedTurn !== null) sendPlayed();
  },
  onChunkPlayed: () => {
    document.body.dataset.playedChunks = String(playback.playedChunks);
  },
});

const captions = new Captions($("captions"), $("partial"), {
  t: (key) => ui.t(key),
  onFlag: (turn) => conn.send({ type: "flag_reply", turn }),
});

const conn = new KioskConnection({
  url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/kiosk`,
  token: kioskToken(),
  lang: "en",
  onEvent: (event) => handleEvent(event),
  onAudio: (frame) => {
    if (ui.stoppedTurns.has(frame.turn)) return;
    if (frame.endOfReply) {
      // The empty end-of-reply frame: tell the server once the reply has been heard.
      ui.endedTurn = frame.turn;
      if (!playback.playing) sendPlayed();
    }
    if (frame.pcm.byteLength === 0) return;
    playback.enqueue(frame.pcm, frame.sampleRate, { turn: frame.turn, endOfReply: frame.endOfReply });
  },
  onStatus: (status) => {
    document.body.dataset.connection = status;
    const text = { reconnecting: "status.reconnecting", connecting: "code.connecting", unauthorized: "code.no_token", failed: "code.offline" }[status];
    $("conn-status").textContent = text ? ui.t(text) : "";
    if (status === "unauthorized") offerSetup(document, conn);
  },
});

const voice = new VoiceController({
  conn,
  playback,
  button: $("mic-button"),
  label: $("mic-label"),
  t: (key) => ui.t(key),
  onError: () => {
    $("mic-error").hidden = false;
    // No microphone: the speaking controls would only lead back to this error.
    document.body.classList.add("no-mic");
    setTypeMode(true);
  },
  onInterrupt: interrupt,
});

const resume = new Resume(document, (key) => ui.t(key), { onGiveUp: () => resetKiosk() });

const idle = new IdleTimer({
  warnMs: 150000,
  graceMs: 45000,
  onWarn: () => $("idle-dialog").open || $("idle-dialog").showModal(),
  onExpire: () => resetKiosk(),
});

function setTypeMode(on) {
  ui.prefs = { ...ui.prefs, typeMode: on };
  applyDisplay(document, ui.prefs);
  $("type-form").hidden = !on;
  $("type-toggle").checked = on;
  renderTypeToggle();
  if (on) voice.setListening(false);
  else if (CONVERSATION_STATES.has(ui.state)) voice.start();
  updateIndicator();
}

function renderTypeToggle() {
  $("type-instead").textContent = ui.t(ui.prefs.typeMode ? "conv.speak_instead" : "conv.type_instead");
}

async function enterConversation() {
  showScreen(document, "conversation");
  $("type-form").hidden = !ui.prefs.typeMode;
  if (!ui.prefs.typeMode && !voice.capture.running) await voice.start();
  if (ui.prefs.typeMode) $("type-input").focus();
}

function handleEvent(event) {
  idle.poke();
  switch (event.type) {
    case "welcome":
      sendSettings();
      break;
    case "joined":
      ui.consentVersion = event.consent_version;
      resume.joined(event);
      conn.resumeToken = resume.token;
      renderConsent($("consent-text"), event.consent_text, ui.t, $("consent-question"));
      idle.start();
      break;
    case "resumed":
      onResumed(event);
      break;
    case "state":
      ui.state = event.state;
      ui.activity = event.activity;
      voice.setServerState(event.state);
      onState(event.state);
      updateIndicator();
      break;
    case "speech_started":
      if (playback.playing) playback.stop();
      break;
    case "transcript":
      captions.addClient(event.turn, event.text);
      break;
    case "reply_sentence":
      // The consent is on its own screen already; read aloud, it is not a conversation caption.
      if (ui.state === "consent") break;
      captions.addReplySentence(event.turn, event.text, event.kind);
      // The fixed crisis message means crisis mode even if the `crisis` event is late.
      if (event.kind === "crisis" && document.body.dataset.screen !== "crisis") enterCrisis(null);
      break;
    case "audio_stop":
      ui.stoppedTurns.add(event.turn);
      playback.stop();
      break;
    case "crisis":
      enterCrisis(event);
      break;
    case "summary":
      $("review-waiting").hidden = true;
      renderReview($("review-items"), event.summary, { t: ui.t, send: (m) => conn.send(m) });
      if (document.body.dataset.screen !== "review") showScreen(document, "review");
      break;
    case "call_in":
      $("call-in-note").textContent = event.message || ui.t("conv.call_in");
      $("call-in-note").hidden = false;
      break;
    case "ended":
      onEnded(event.reason);
      break;
    case "error":
      onError(event);
      break;
    case "disconnected":
      // Within the resume window the session waits for us: keep the screen, say so.
      if (ui.state !== "idle" && !resume.lost()) resetKiosk();
      else if (resume.waiting) {
        idle.stop();
        voice.stop();
      }
      break;
    default:
      break;
  }
}

/** The session is back as it was: language, conversation on screen, state (crisis included). */
async function onResumed(event) {
  resume.settled();
  if (event.lang && event.lang !== ui.prefs.lang) await setLanguage(event.lang);
  restoreTranscript(captions, event.transcript);
  ui.state = event.state;
  if (event.crisis || event.state === "crisis") {
    enterCrisis(event.crisis ? { ...event.crisis, message: [].concat(event.crisis.message ?? []).join(" ") } : null);
    return;
  }
  idle.start();
  onState(event.state);
}

function enterCrisis(event) {
  if (event) renderCrisis(document, event);
  showNotified(document, event);
  // The crisis screen holds: no "Are you still there?", no reset, until staff clear it.
  idle.stop();
  $("idle-dialog").open && $("idle-dialog").close();
  voice.stop();
  if (document.body.dataset.screen !== "crisis") showScreen(document, "crisis");
}

function onState(state) {
  if (state === "consent") showScreen(document, "consent");
  else if (CONVERSATION_STATES.has(state)) {
    if (document.body.dataset.screen !== "conversation") enterConversation();
  } else if (state === "review") {
    voice.stop();
    if (document.body.dataset.screen !== "review") {
      $("review-waiting").hidden = false;
      $("review-items").replaceChildren();
      showScreen(document, "review");
    }
  } else if (state === "feedback") {
    showScreen(document, "feedback");
  } else if (state === "crisis") {
    enterCrisis(null);
  }
}

function onEnded(reason) {
  voice.stop();
  idle.stop();
  resume.forget();
  conn.resumeToken = null;
  const screens = { completed: ["thanks.title", "thanks.body"], declined: ["declined.title", "declined.body"], erased: ["erased.title", "erased.body"] };
  const message = screens[reason];
  if (!message) {
    resetKiosk();
    return;
  }
  if (reason === "erased") playback.stop();
  showMessage(document, ui.t, ...message);
  clearTimeout(ui.clearTimer);
  ui.clearTimer = setTimeout(resetKiosk, MESSAGE_CLEAR_MS);
}

function onError(event) {
  if (event.code === "pin_invalid") {
    staffPinRejected(document, ui.t);
  } else if (event.code === "resume_expired") {
    resume.forget();
    conn.resumeToken = null;
    resetKiosk().then(() => {
      $("code-error").textContent = ui.t("resume.expired");
    });
  } else if (CODE_ERRORS.has(event.code) && event.ref === "join") {
    codeRefused(event);
  } else if (event.code === "stt_failed" || event.code === "server_busy") {
    captions.showPartial(ui.t("error.generic"));
  }
}

/** Say why a code was refused; after too many tries, say how long to wait and hold Start. */
function codeRefused(event) {
  const key = { code_expired: "code.expired", code_used: "code.used" }[event.code] ?? "code.invalid";
  if (event.code !== "rate_limited") {
    $("code-error").textContent = ui.t(key);
    $("code-submit").disabled = false;
    return;
  }
  const seconds = Math.max(1, Number(event.retry_after_s) || 10);
  $("code-error").textContent = ui.t("code.too_many", { seconds });
  $("code-submit").disabled = true;
  clearTimeout(ui.codeWait);
  ui.codeWait = setTimeout(() => {
    $("code-submit").disabled = false;
    $("code-error").textContent = "";
  }, seconds * 1000);
}

/** Clear everything for the next person: screen, captions, audio, preferences. */
async function resetKiosk() {
  clearTimeout(ui.clearTimer);
  idle.stop();
  resume.forget();
  conn.resumeToken = null;
  resetStaffClear(document);
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  playback.stop();
  await voice.stop();
  captions.clear();
  resetCrisis(document);
  Object.assign(ui, { state: "idle", activity: "waiting", consentVersion: null, stoppedTurns: new Set() });
  $("code-input").value = "";
  $("code-error").textContent = "";
  $("code-submit").disabled = false;
  $("feedback-form").reset();
  $("call-in-note").hidden = true;
  $("mic-error").hidden = true;
  document.body.classList.remove("no-mic");
  const fresh = defaultPreferences();
  ui.prefs = fresh;
  applyDisplay(document, fresh);
  syncDialog(document, fresh);
  await setLanguage(fresh.lang);
  sendSettings();
  showScreen(document, "code");
}

function wireControls() {
  digitsOnly($("code-input"));
  $("code-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = $("code-input").value.trim();
    if (code.length < 4) {
      $("code-error").textContent = ui.t("code.invalid");
      return;
    }
    $("code-error").textContent = "";
    await playback.unlock(); // a tap: audio may start from here on
    sendSettings();
    conn.send({ type: "join", code });
  });
  $("consent-accept").addEventListener("click", () => conn.send({ type: "consent", accepted: true, consent_version: ui.consentVersion }));
  $("consent-decline").addEventListener("click", () => conn.send({ type: "consent", accepted: false, consent_version: ui.consentVersion }));
  $("conv-done").addEventListener("click", () => {
    conn.send({ type: "end" });
    // Typing: the next question (the focus one) is answered in the box, so go there.
    if (ui.prefs.typeMode) $("type-input").focus();
  });
  $("type-instead").addEventListener("click", () => {
    setTypeMode(!ui.prefs.typeMode);
    if (ui.prefs.typeMode) $("type-input").focus();
  });
  $("type-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("type-input").value.trim();
    if (!text || ui.activity === "thinking") return;
    if (playback.playing) interrupt();
    if (conn.send({ type: "text", text })) $("type-input").value = "";
  });
  $("type-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("type-form").requestSubmit();
    }
  });
  for (const radio of document.querySelectorAll('input[name="mic-mode"]')) {
    radio.addEventListener("change", () => voice.setMode(radio.value));
  }
  $("review-approve").addEventListener("click", () => approveMessages().forEach((m) => conn.send(m)));
  $("feedback-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const rating = document.querySelector('input[name="rating"]:checked');
    const comment = $("feedback-comment").value.trim();
    const message = { type: "feedback", rating: rating ? Number(rating.value) : null };
    if (comment) message.comment = comment;
    conn.send(message);
  });
  $("feedback-skip").addEventListener("click", () => conn.send({ type: "feedback", rating: null }));
  $("message-finish").addEventListener("click", resetKiosk);
  $("end-erase").addEventListener("click", () => $("end-dialog").showModal());
  $("end-no").addEventListener("click", () => $("end-dialog").close());
  $("end-yes").addEventListener("click", () => {
    $("end-dialog").close();
    if (!conn.send({ type: "erase" })) resetKiosk();
  });
  $("idle-continue").addEventListener("click", () => $("idle-dialog").close());
  wireStaffClear(document, { send: (message) => conn.send(message) });
  wireSettings();
  for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, () => idle.poke(), { passive: true });
  // Belt and braces: the inactivity timer never acts on the crisis screen.
  idle.onWarn = ((warn) => () => document.body.dataset.screen !== "crisis" && warn())(idle.onWarn);
  idle.onExpire = ((expire) => () => document.body.dataset.screen !== "crisis" && expire())(idle.onExpire);
}

function wireSettings() {
  const dialog = $("settings-dialog");
  $("open-settings").addEventListener("click", () => {
    syncDialog(document, ui.prefs);
    dialog.showModal();
  });
  $("settings-close").addEventListener("click", () => dialog.close());
  $("lang-switch").addEventListener("click", async () => {
    await setLanguage(ui.prefs.lang === "en" ? "es" : "en");
    sendSettings();
  });
  for (const input of dialog.querySelectorAll('input[name="lang"]')) {
    input.addEventListener("change", async () => {
      await setLanguage(input.value);
      sendSettings();
    });
  }
  for (const input of dialog.querySelectorAll('input[name="rate"]')) {
    input.addEventListener("change", () => {
      ui.prefs = { ...ui.prefs, rate: Number(input.value) };
      sendSettings();
    });
  }
  for (const input of dialog.querySelectorAll('input[name="patience"]')) {
    input.addEventListener("change", () => {
      ui.prefs = { ...ui.prefs, patience: input.value };
      sendSettings();
    });
  }
  $("text-smaller").addEventListener("click", () => applyDisplay(document, (ui.prefs = changeScale(ui.prefs, -1))));
  $("text-larger").addEventListener("click", () => applyDisplay(document, (ui.prefs = changeScale(ui.prefs, 1))));
  $("contrast-toggle").addEventListener("change", (event) => {
    ui.prefs = { ...ui.prefs, highContrast: event.target.checked };
    applyDisplay(document, ui.prefs);
  });
  $("type-toggle").addEventListener("change", (event) => setTypeMode(event.target.checked));
}

async function boot() {
  await setLanguage(ui.prefs.lang);
  wireControls();
  showScreen(document, "code");
  conn.token = (await redeemEnrolLink()) ?? conn.token;
  if (!conn.token) {
    $("code-error").textContent = ui.t("code.no_token");
    offerSetup(document, conn);
    return;
  }
  conn.connect();
}

boot();
