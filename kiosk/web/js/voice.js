// Mic behaviour: hands-free (always listening) or push-to-talk, plus tap-to-interrupt.

import { MicCapture } from "./capture.js";

const AUDIO_STATES = new Set(["opening", "reflecting", "focus"]);

export class VoiceController {
  /** conn: KioskConnection; playback: PlaybackQueue; onInterrupt(): local barge-in. */
  constructor({ conn, playback, button, label, t, onError, onInterrupt }) {
    this.conn = conn;
    this.playback = playback;
    this.button = button;
    this.label = label;
    this.t = t;
    this.onError = onError;
    this.onInterrupt = onInterrupt;
    this.mode = "hands_free";
    this.listening = false; // hands-free mic on, or push-to-talk held
    this.serverState = "idle";
    this.capture = new MicCapture((frame) => this.onFrame(frame));
    this.wire();
  }

  wire() {
    const b = this.button;
    b.addEventListener("pointerdown", (event) => {
      if (this.mode !== "push_to_talk" || event.button !== 0) return;
      event.preventDefault();
      b.setPointerCapture?.(event.pointerId);
      this.pressTalk(true);
    });
    const release = () => {
      if (this.mode === "push_to_talk" && this.listening && this.heldByPointer) this.pressTalk(false);
    };
    b.addEventListener("pointerup", release);
    b.addEventListener("pointercancel", release);
    b.addEventListener("click", (event) => {
      // Pointer holds are handled above; a keyboard or screen-reader click toggles.
      if (this.mode === "push_to_talk" && event.detail !== 0) return;
      if (this.playback.playing) {
        this.onInterrupt();
        return;
      }
      if (this.mode === "push_to_talk") this.pressTalk(!this.listening, false);
      else this.setListening(!this.listening);
    });
  }

  pressTalk(down, byPointer = true) {
    this.heldByPointer = down && byPointer;
    if (down && this.playback.playing) this.onInterrupt();
    this.setListening(down);
    if (!down) this.conn.send({ type: "end_of_turn" });
  }

  setMode(mode) {
    this.mode = mode;
    this.setListening(mode === "hands_free");
  }

  setListening(on) {
    this.listening = on;
    this.capture.setEnabled(on);
    this.render();
  }

  /** Open the microphone for a conversation; false if the browser refuses. */
  async start() {
    try {
      await this.capture.start();
      this.setListening(this.mode === "hands_free");
      return true;
    } catch (error) {
      this.onError(error);
      return false;
    }
  }

  async stop() {
    this.listening = false;
    await this.capture.stop();
    this.render();
  }

  setServerState(state) {
    this.serverState = state;
    this.render();
  }

  onFrame(frame) {
    if (this.listening && AUDIO_STATES.has(this.serverState)) this.conn.sendAudio(frame);
  }

  render() {
    const speaking = this.playback.playing;
    let key = "conv.mic.start";
    if (speaking) key = "conv.mic.interrupt";
    else if (this.mode === "push_to_talk") key = this.listening ? "conv.mic.stop" : "conv.mic.hold";
    else if (this.listening) key = "conv.mic.stop";
    this.label.textContent = this.t(key);
    this.button.setAttribute("aria-pressed", String(this.listening && !speaking));
  }
}
