// The kiosk websocket (docs/protocol.md, protocol 1): hello, JSON events, binary audio frames.

export const PROTOCOL_VERSION = 1;
const AUDIO_HEADER_BYTES = 16;
const NO_RETRY_CLOSE = new Set([4400, 4401, 4403]);

/** Parse one server audio frame: 16-byte header + PCM16 LE samples. */
export function parseAudioFrame(buffer) {
  if (buffer.byteLength < AUDIO_HEADER_BYTES) return null;
  const view = new DataView(buffer);
  if (view.getUint8(0) !== 0x52 || view.getUint8(1) !== 0x4b || view.getUint8(2) !== 1) return null;
  const flags = view.getUint8(3);
  return {
    endOfSentence: Boolean(flags & 1),
    endOfReply: Boolean(flags & 2),
    turn: view.getUint32(4, true),
    index: view.getUint16(8, true),
    seq: view.getUint16(10, true),
    sampleRate: view.getUint32(12, true),
    pcm: buffer.slice(AUDIO_HEADER_BYTES),
  };
}

/** One reconnecting socket; handlers get onEvent(obj), onAudio(frame), onStatus(name). */
export class KioskConnection {
  constructor({ url, token, lang, onEvent, onAudio, onStatus }) {
    this.url = url;
    this.token = token;
    this.lang = lang;
    this.onEvent = onEvent;
    this.onAudio = onAudio;
    this.onStatus = onStatus;
    this.socket = null;
    this.attempt = 0;
    this.closedByUs = false;
    this.ready = false;
    this.resumeToken = null; // set while a session can be resumed after a drop
  }

  connect() {
    this.closedByUs = false;
    this.onStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({
        type: "hello",
        protocol: PROTOCOL_VERSION,
        token: this.token,
        client: "kiosk-web/0.1",
        capabilities: { audio_in: true, audio_out: true },
        lang: this.lang,
        ...(this.resumeToken ? { resume_token: this.resumeToken } : {}),
      }));
    };
    socket.onmessage = (message) => {
      if (typeof message.data === "string") {
        let event;
        try {
          event = JSON.parse(message.data);
        } catch {
          return; // the server only sends JSON; ignore anything else rather than crash
        }
        if (event.type === "welcome") {
          this.attempt = 0;
          this.ready = true;
          this.onStatus("connected");
        }
        this.onEvent(event);
      } else {
        const frame = parseAudioFrame(message.data);
        if (frame) this.onAudio(frame);
      }
    };
    socket.onclose = (close) => {
      this.ready = false;
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.closedByUs) return;
      if (NO_RETRY_CLOSE.has(close.code)) {
        this.onStatus(close.code === 4401 ? "unauthorized" : "failed");
        return;
      }
      this.onStatus("reconnecting");
      this.onEvent({ type: "disconnected", code: close.code });
      // Exponential back-off with jitter, capped at 30 s (protocol.md).
      const delay = Math.min(30000, 1000 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
      this.attempt += 1;
      setTimeout(() => this.connect(), delay);
    };
  }

  /** Send one JSON message; returns false when the socket is not open. */
  send(message) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Send one binary PCM16 frame (dropped while disconnected: audio is live, not queued). */
  sendAudio(buffer) {
    if (this.ready && this.socket?.readyState === WebSocket.OPEN) this.socket.send(buffer);
  }

  close() {
    this.closedByUs = true;
    this.socket?.close(1000);
    this.socket = null;
  }
}
