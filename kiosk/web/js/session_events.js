// What the kiosk does with each server event (docs/protocol.md): `app` is the page's state and
// parts (main.js builds it).

import { renderReview } from "./review.js";
import { showMessage, showScreen } from "./screens.js";
import { renderConsent, renderCrisis } from "./content.js";
import { showNotified, staffPinRejected } from "./crisis_hold.js";
import { restoreTranscript } from "./resume.js";

const CODE_ERRORS = new Set(["code_invalid", "code_expired", "code_used", "rate_limited"]);
export const CONVERSATION_STATES = new Set(["opening", "reflecting", "focus"]);
const MESSAGE_CLEAR_MS = 15000;
const $ = (id) => document.getElementById(id);

export function handleEvent(app, event) {
  app.idle.poke();
  switch (event.type) {
    case "welcome":
      app.sendSettings();
      break;
    case "joined": {
      app.ui.consentVersion = event.consent_version;
      app.resume.joined(event);
      app.conn.resumeToken = app.resume.token;
      const render = () =>
        renderConsent($("consent-text"), event.consent_text, app.ui.t, $("consent-question"));
      // Nobody picked a language here: the screens follow the session's (then the consent,
      // so the new strings do not overwrite it).
      if (!app.ui.prefs.langChosen && event.lang && event.lang !== app.ui.prefs.lang) {
        app.setLanguage(event.lang).then(render);
      } else {
        render();
      }
      app.idle.start();
      break;
    }
    case "resumed":
      onResumed(app, event);
      break;
    case "state":
      app.ui.state = event.state;
      app.ui.activity = event.activity;
      app.voice.setServerState(event.state);
      onState(app, event.state);
      app.updateIndicator();
      break;
    case "speech_started":
      if (app.playback.playing) app.playback.stop();
      break;
    case "transcript":
      app.captions.addClient(event.turn, event.text);
      break;
    case "reply_sentence":
      // The consent is on its own screen already; read aloud, it is not a conversation caption.
      if (app.ui.state === "consent") break;
      app.captions.addReplySentence(event.turn, event.text, event.kind);
      // The fixed crisis message means crisis mode even if the `crisis` event is late.
      if (event.kind === "crisis" && document.body.dataset.screen !== "crisis") enterCrisis(app, null);
      break;
    case "audio_stop":
      app.ui.stoppedTurns.add(event.turn);
      app.playback.stop();
      break;
    case "crisis":
      enterCrisis(app, event);
      break;
    case "summary":
      $("review-waiting").hidden = true;
      renderReview($("review-items"), event.summary, { t: app.ui.t, send: (m) => app.conn.send(m) });
      if (document.body.dataset.screen !== "review") showScreen(document, "review");
      break;
    case "call_in":
      $("call-in-note").textContent = event.message || app.ui.t("conv.call_in");
      $("call-in-note").hidden = false;
      break;
    case "ended":
      onEnded(app, event.reason);
      break;
    case "error":
      onError(app, event);
      break;
    case "disconnected":
      // Within the resume window the session waits for us: keep the screen, say so.
      if (app.ui.state !== "idle" && !app.resume.lost()) app.resetKiosk();
      else if (app.resume.waiting) {
        app.idle.stop();
        app.voice.stop();
      }
      break;
    default:
      break;
  }
}

/** The session is back as it was: language, conversation on screen, state (crisis included). */
async function onResumed(app, event) {
  app.resume.settled();
  if (event.lang && event.lang !== app.ui.prefs.lang) await app.setLanguage(event.lang);
  restoreTranscript(captions, event.transcript);
  app.ui.state = event.state;
  if (event.crisis || event.state === "crisis") {
    enterCrisis(app, event.crisis ? { ...event.crisis, message: [].concat(event.crisis.message ?? []).join(" ") } : null);
    return;
  }
  app.idle.start();
  onState(app, event.state);
}

function enterCrisis(app, event) {
  if (event) renderCrisis(document, event);
  showNotified(document, event);
  // The crisis screen holds: no "Are you still there?", no reset, until staff clear it.
  app.idle.stop();
  $("idle-dialog").open && $("idle-dialog").close();
  app.voice.stop();
  if (document.body.dataset.screen !== "crisis") showScreen(document, "crisis");
}

function onState(app, state) {
  if (state === "consent") showScreen(document, "consent");
  else if (CONVERSATION_STATES.has(state)) {
    if (document.body.dataset.screen !== "conversation") app.enterConversation();
  } else if (state === "review") {
    app.voice.stop();
    if (document.body.dataset.screen !== "review") {
      $("review-waiting").hidden = false;
      $("review-items").replaceChildren();
      showScreen(document, "review");
    }
  } else if (state === "feedback") {
    showScreen(document, "feedback");
  } else if (state === "crisis") {
    enterCrisis(app, null);
  }
}

function onEnded(app, reason) {
  app.voice.stop();
  app.idle.stop();
  app.resume.forget();
  app.conn.resumeToken = null;
  const screens = { completed: ["thanks.title", "thanks.body"], declined: ["declined.title", "declined.body"], erased: ["erased.title", "erased.body"] };
  const message = screens[reason];
  if (!message) {
    app.resetKiosk();
    return;
  }
  if (reason === "erased") app.playback.stop();
  showMessage(document, app.ui.t, ...message);
  clearTimeout(app.ui.clearTimer);
  app.ui.clearTimer = setTimeout(app.resetKiosk, MESSAGE_CLEAR_MS);
}

function onError(app, event) {
  if (event.code === "pin_invalid") {
    staffPinRejected(document, app.ui.t);
  } else if (event.code === "resume_expired") {
    app.resume.forget();
    app.conn.resumeToken = null;
    app.resetKiosk().then(() => {
      $("code-error").textContent = app.ui.t("resume.expired");
    });
  } else if (CODE_ERRORS.has(event.code) && event.ref === "join") {
    codeRefused(app, event);
  } else if (event.code === "stt_failed" || event.code === "server_busy") {
    app.captions.showPartial(app.ui.t("error.generic"));
  }
}

/** Say why a code was refused; after too many tries, say how long to wait and hold Start. */
function codeRefused(app, event) {
  const key = { code_expired: "code.expired", code_used: "code.used" }[event.code] ?? "code.invalid";
  if (event.code !== "rate_limited") {
    $("code-error").textContent = app.ui.t(key);
    $("code-submit").disabled = false;
    return;
  }
  const seconds = Math.max(1, Number(event.retry_after_s) || 10);
  $("code-error").textContent = app.ui.t("code.too_many", { seconds });
  $("code-submit").disabled = true;
  clearTimeout(app.ui.codeWait);
  app.ui.codeWait = setTimeout(() => {
    $("code-submit").disabled = false;
    $("code-error").textContent = "";
  }, seconds * 1000);
}

/** Clear everything for the next person: screen, captions, audio, preferences. */
