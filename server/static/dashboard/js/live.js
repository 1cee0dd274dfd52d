// The therapist websocket: hello with last_seq, replay, live events, reconnect with back-off.

const NO_RETRY = new Set([4400, 4401, 4403]);

export class TherapistStream {
  constructor({ onEvent, onStatus, onReset, onLocked = () => {} }) {
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.onReset = onReset;
    this.onLocked = onLocked;
    this.lastSeq = 0;
    this.socket = null;
    this.attempt = 0;
    this.stopped = false;
    this.timer = null;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  open() {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/therapist`;
    const socket = new WebSocket(url);
    this.socket = socket;
    this.onStatus(this.attempt === 0 && this.lastSeq === 0 ? "connecting" : "reconnecting");
    socket.onopen = () => socket.send(JSON.stringify({ type: "hello", protocol: 1, last_seq: this.lastSeq }));
    socket.onmessage = (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      if (data.type === "welcome") {
        this.attempt = 0;
        if (data.reset) {
          this.lastSeq = 0;
          this.onReset();
        }
      } else if (data.type === "replay_done") {
        this.onStatus("live");
      } else if (data.type === "locked") {
        this.onLocked();
      } else if (data.type === "event" && data.seq === 0) {
        // Live only, not sequenced: staff-channel escalations, and an alert not stored yet
        // (its stored copy follows with a seq).
        this.onEvent(data);
      } else if (data.type === "event") {
        // Ignore anything already processed: exactly-once on our side too.
        if (data.seq <= this.lastSeq) return;
        this.lastSeq = data.seq;
        this.onEvent(data);
      }
    };
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (NO_RETRY.has(close.code)) {
        this.onStatus("signed_out");
        return;
      }
      this.onStatus("reconnecting");
      const delay = Math.min(30000, 1000 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
      this.attempt += 1;
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  /** Reconnect from `seq` (after unlocking: what was held back while locked comes again). */
  resumeFrom(seq) {
    this.lastSeq = Math.min(this.lastSeq, seq);
    this.reconnectNow();
  }

  /** Reconnect now (after a network change); resumes from last_seq like any reconnect. */
  reconnectNow() {
    this.socket?.close(4000);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
  }
}
