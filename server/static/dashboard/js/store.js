// Dashboard state: sessions and alerts, updated from REST lists and live therapist events.

/** REST turns ({speaker, text}) as the live stream's pairs ({client_text, reply_text}). */
function pairTurns(rows) {
  const pairs = [];
  for (const row of rows) {
    if (row.client_text !== undefined) pairs.push(row);
    else if (row.speaker === "client") pairs.push({ client_text: row.text, reply_text: "" });
    else if (row.speaker === "reflector" && pairs.length && !pairs[pairs.length - 1].reply_text) pairs[pairs.length - 1].reply_text = row.text;
  }
  return pairs;
}

export class Store {
  constructor() {
    this.sessions = new Map(); // id -> session view model
    this.alerts = new Map(); // alert_id -> alert
    this.listeners = new Set();
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(detail) {
    for (const listener of this.listeners) listener(detail);
  }

  session(id) {
    if (!this.sessions.has(id)) {
      this.sessions.set(id, { id, status: "pending", actions: [], code: null, label: null, lang: null, draft: null, approved: null, turns: [], feedback: null, alerts: [], updated: null });
    }
    return this.sessions.get(id);
  }

  /** Merge a session row from REST (field names as the API returns them). */
  mergeRest(row) {
    const id = row.session_id ?? row.id;
    const session = this.session(id);
    for (const key of ["code", "label", "lang", "status", "created_at", "expires_at", "kiosk_name", "ended_reason", "break_glass", "crisis"]) {
      if (row[key] !== undefined && row[key] !== null) session[key] = row[key];
    }
    // The server's status, actions and pending code are the truth (null code: no longer shown).
    for (const key of ["actions", "code"]) if (row[key] !== undefined) session[key] = row[key];
    if (row.language) session.lang = row.language;
    if (row.code_expires_at) session.expires_at = row.code_expires_at;
    if (row.summary) {
      if (row.summary_approved || row.approved) session.approved = row.summary;
      else session.draft = row.summary;
    }
    for (const alert of row.alerts ?? []) this.addAlert({ ...alert, session_id: id });
    return session;
  }

  /** Merge GET /api/sessions/{id}: {session, summary, summary_approved, turns, alerts, feedback}. */
  mergeDetail(detail) {
    const session = this.mergeRest(detail.session);
    session.liveView = Boolean(detail.live_view);
    if (detail.erased) this.forget(session);
    if (detail.summary) {
      if (detail.summary_approved) session.approved = detail.summary;
      else session.draft = detail.summary;
    }
    const turns = pairTurns(detail.turns ?? []);
    if (turns.length > session.turns.length) session.turns = turns;
    for (const alert of detail.alerts ?? []) this.addAlert({ ...alert, session_id: session.id });
    if (detail.feedback?.length) session.feedback = detail.feedback[detail.feedback.length - 1];
    return session;
  }

  /** An erased session: nothing but the fact remains. */
  forget(session) {
    session.status = "erased";
    session.draft = session.approved = session.feedback = null;
    session.turns = [];
  }

  addAlert(alert) {
    const id = alert.alert_id ?? alert.id;
    const existing = this.alerts.get(id) ?? {};
    const merged = { ...existing, ...alert, alert_id: id };
    merged.acknowledged = Boolean(merged.acknowledged || merged.acknowledged_at);
    this.alerts.set(id, merged);
    const session = this.session(merged.session_id);
    if (!session.alerts.includes(id)) session.alerts.push(id);
    return merged;
  }

  dropAlert(id) {
    const alert = this.alerts.get(id);
    if (!alert) return;
    this.alerts.delete(id);
    const session = this.session(alert.session_id);
    session.alerts = session.alerts.filter((a) => a !== id);
  }

  openUrgentAlerts() {
    return [...this.alerts.values()].filter((a) => a.urgent && !a.acknowledged);
  }

  /** Apply one therapist websocket event (docs/protocol.md event kinds). */
  apply(message) {
    const { event, session_id: id, data = {}, at } = message;
    const session = this.session(id);
    session.updated = at;
    // Erased content, or a draft replaced once the client approved: nothing to show.
    if (data.erased || data.superseded) {
      this.changed({ event, sessionId: id, data });
      return;
    }
    switch (event) {
      case "session_created":
        session.status = "pending";
        session.label = data.label ?? session.label;
        session.expires_at = data.code_expires_at;
        session.created_at = session.created_at ?? at;
        break;
      case "session_status":
        // The one status the server derives; every open page shows it (docs/protocol.md).
        session.status = data.status;
        session.actions = data.actions ?? [];
        session.lang = data.language ?? session.lang;
        session.crisis = Boolean(session.crisis || data.crisis);
        if (data.status !== "pending") session.code = null;
        if (data.status === "erased") this.forget(session);
        break;
      case "session_joined":
        session.kiosk_name = data.kiosk_name;
        break;
      case "turn":
        session.turns.push(data);
        break;
      case "summary_draft":
        session.draft = data.summary;
        break;
      case "summary_approved":
        session.approved = data.summary;
        break;
      case "risk_alert":
        if (data.saved === false) {
          // Not stored yet (e.g. a full disk): shown at once, replaced by the stored copy.
          this.addAlert({ ...data, alert_id: `pending:${data.alert_key}`, not_saved: true, session_id: id, raised_at: at });
        } else {
          if (data.alert_key) this.dropAlert(`pending:${data.alert_key}`);
          this.addAlert({ ...data, session_id: id, raised_at: at });
        }
        if (data.kiosk_name) session.kiosk_name = data.kiosk_name;
        if (data.urgent) session.crisis = true;
        break;
      case "alert_escalated":
        this.addAlert({ ...data, session_id: id, urgent: true, escalated: true });
        if (data.kiosk_name) session.kiosk_name = data.kiosk_name;
        session.crisis = true;
        break;
      case "alert_acknowledged":
        this.addAlert({ alert_id: data.alert_id, session_id: id, acknowledged: true, acknowledged_at: data.at ?? at, by: data.by, by_name: data.by_name });
        break;
      case "call_in_sent":
        session.called_in_at = at;
        session.call_in_delivered = data.delivered !== false;
        break;
      case "kiosk_status":
        session.kiosk_status = data.status;
        break;
      case "feedback":
        session.feedback = data;
        break;
      case "session_ended":
        session.ended_reason = data.reason;
        session.kiosk_status = null;
        if (data.reason === "erased") this.forget(session);
        break;
      default:
        break;
    }
    this.changed({ event, sessionId: id, data });
  }
}
