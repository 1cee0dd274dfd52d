// Kiosk page controller: wires the websocket protocol to the screens (docs/protocol.md).

import { Captions, setIndicator } from "./captions.js";
import { KioskConnection } from "./connection.js";
import { applyStrings, loadStrings, translator } from "./i18n.js";
import { buildKeypad } from "./keypad.js";
import { PlaybackQueue } from "./playback.js";
import { applyDisplay, defaultPreferences, speechSettingsMessage, syncDialog } from "./preferences.js";
import { buildRating } from "./review.js";
import { IdleTimer, showScreen } from "./screens.js";
import { kioskToken, offerSetup, redeemEnrolLink } from "./setup.js";
import { resetCrisis } from "./content.js";
import { VoiceController } from "./voice.js";
import { resetStaffClear } from "./crisis_hold.js";
import { Resume } from "./resume.js";
import { CONVERSATION_STATES, handleEvent } from "./session_events.js";
import { wireControls } from "./controls.js";

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

/** Show the screens in `lang`; `chosen` when the client picked it (it then steers the session). */
async function setLanguage(lang, { chosen = false } = {}) {
  const strings = await loadStrings(lang);
  ui.t = translator(strings);
  ui.prefs = { ...ui.prefs, lang: strings.lang, langChosen: ui.prefs.langChosen || chosen };
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
  lang: "auto",
  onEvent: (event) => handleEvent(app, event),
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

// The page's state and parts, for the event handlers (session_events.js) and the controls.
const app = {
  ui, conn, playback, captions, voice, resume, idle,
  setLanguage, sendSettings, setTypeMode, interrupt, resetKiosk, enterConversation, updateIndicator,
};

async function boot() {
  await setLanguage(ui.prefs.lang);
  wireControls(app);
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
