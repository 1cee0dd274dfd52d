// Surviving a dropped connection (docs/protocol.md, "Resume"): the screen stays, the client is
// told their words are safe, and the `resumed` event puts the session back as it was.

/** The session's resume token and the "Reconnecting" note. */
// A little longer than the server's resume window (120 s by default): then the session is gone
// anyway, and the conversation must not stay on an unattended screen.
const GIVE_UP_MS = 150000;

export class Resume {
  constructor(doc, t, { onGiveUp = () => {} } = {}) {
    this.doc = doc;
    this.t = t;
    this.onGiveUp = onGiveUp;
    this.token = null;
    this.waiting = false;
    this.timer = null;
  }

  /** `joined` carries the token the kiosk presents in its next hello. */
  joined(event) {
    this.token = event.resume_token || null;
  }

  /** The socket dropped during a session: keep everything, show the note. */
  lost() {
    if (!this.token) return false;
    this.waiting = true;
    this.doc.body.dataset.reconnecting = "true";
    const note = this.doc.getElementById("reconnect-note");
    note.textContent = this.t("status.reconnecting_safe");
    note.hidden = false;
    clearTimeout(this.timer);
    // The crisis screen holds even offline: it shows help, not the client's words.
    this.timer = setTimeout(() => {
      if (this.waiting && this.doc.body.dataset.screen !== "crisis") this.onGiveUp();
    }, GIVE_UP_MS);
    return true;
  }

  /** Back (resumed) or given up (expired, ended): hide the note. */
  settled() {
    clearTimeout(this.timer);
    this.waiting = false;
    this.doc.body.dataset.reconnecting = "false";
    this.doc.getElementById("reconnect-note").hidden = true;
  }

  /** The session is over: the token is no use any more. */
  forget() {
    this.token = null;
    this.settled();
  }
}

/** Put the conversation back on screen from `resumed.transcript` (restored replies: no flag). */
export function restoreTranscript(captions, transcript) {
  captions.clear();
  (transcript ?? []).forEach((item, index) => {
    if (item.role === "client") captions.addClient(`r${index}`, item.text);
    else captions.addReplySentence(`r${index}`, item.text, "restored");
  });
}
