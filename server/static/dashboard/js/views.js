// Dashboard screens: login, today's sessions, one session's live view, history.

import { describeAlert, triggerWords } from "./alerts.js";
import { breakGlassPanel, breakGlassRecords } from "./breakglass.js";
import { formatTime, h, isToday, summaryView } from "./dom.js";
import { responderStatus } from "./status.js";

export function loginView(app) {
  const error = h("p", { class: "error", role: "alert", id: "login-error" });
  const form = h("form", { class: "stack card", id: "login-form" },
    h("div", {}, h("label", { for: "username" }, "Username"), h("input", { id: "username", name: "username", autocomplete: "username", required: true })),
    h("div", {}, h("label", { for: "password" }, "Password"), h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("div", {},
      h("label", { for: "totp" }, "Authenticator code ", h("span", { class: "hint" }, "(only if two-step sign-in is on; or one of your recovery codes)")),
      h("input", { id: "totp", name: "totp", autocomplete: "one-time-code", maxlength: 24 })),
    error,
    h("button", { type: "submit", class: "btn btn-primary" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await app.login(form.username.value, form.password.value, form.totp.value.trim());
    } catch (err) {
      error.textContent = {
        rate_limited: `Too many failed sign-in attempts; ${(err.message ?? "").split("; ")[1] ?? "wait a little"}. Dashboards already signed in are not affected.`,
        totp_required: "Enter the code from your authenticator app.",
      }[err.code] ?? "Sign-in failed. Check your username, password and code.";
      if (err.code === "totp_required") form.totp.focus();
    }
  });
  return [h("h1", {}, "Sign in"), form];
}

function statusBadge(status) {
  return h("span", { class: "status", dataset: { status } }, (status ?? "").replace(/_/g, " "));
}

const KIOSK_STATUS = { offline: "kiosk offline (waiting for it to reconnect)", disconnected: "disconnected" };
// Why an ended session ended (the kiosk protocol's `ended.reason`), in staff words.
const ENDED_REASON = {
  completed: "completed", declined: "consent declined", client_ended: "client ended", timeout: "inactive",
  call_in: "called in", staff_cleared: "crisis cleared by staff",
  disconnected: "disconnected: the kiosk did not come back", server: "server stopped",
};

/** The marks a session keeps: crisis (for good), kiosk connection, call-in. */
function sessionMarks(s) {
  return [
    s.crisis ? h("span", { class: "crisis-tag", dataset: { crisis: "true" } }, "CRISIS") : null,
    s.kiosk_status && KIOSK_STATUS[s.kiosk_status] ? h("span", { class: "kiosk-status", dataset: { kioskStatus: s.kiosk_status } }, KIOSK_STATUS[s.kiosk_status]) : null,
    s.status === "ended" && s.ended_reason ? h("span", { class: "ended-reason", dataset: { endedReason: s.ended_reason } }, `(${ENDED_REASON[s.ended_reason] ?? s.ended_reason.replace(/_/g, " ")})`) : null,
    s.called_in_at ? h("span", { class: "call-in-note" }, callInText(s)) : null,
  ];
}

function clockTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** "Called in at 14:02, client reviewing" (then approved / ended). */
export function callInText(s) {
  const when = `Called in at ${clockTime(s.called_in_at)}`;
  if (s.call_in_delivered === false) return `${when}: the kiosk is not connected; call the client in person`;
  if (s.status === "ended" || s.status === "erased") return `${when}, session ${s.status}`;
  if (s.approved) return `${when}, client approved the summary`;
  return `${when}, client reviewing`;
}

function sessionTable(app, sessions, caption) {
  if (sessions.length === 0) return h("p", {}, "No sessions.");
  return h("table", {},
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, ["Session", "Code", "Status", "Created", "Summary"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, sessions.map((s) => h("tr", { dataset: { sessionId: s.id } },
      h("td", {}, h("a", { href: `#/session/${encodeURIComponent(s.id)}` }, s.label || `Session ${s.id.slice(0, 8)}`)),
      h("td", {}, s.code ?? "—"),
      h("td", {}, statusBadge(s.status), " ", sessionMarks(s)),
      h("td", {}, formatTime(s.created_at)),
      h("td", {}, s.approved ? "Approved" : s.draft ? "Draft" : "—")))));
}

/** Front desk and admins create sessions for a therapist: a picker filled from /api/therapists. */
function therapistPicker(app, submit, result) {
  const select = h("select", { id: "therapist", required: true }, h("option", { value: "" }, "Loading…"));
  app.api.get("/api/therapists").then((data) => {
    const therapists = data.therapists ?? [];
    select.replaceChildren(h("option", { value: "" }, "Choose a therapist"),
      ...therapists.map((t) => h("option", { value: t.id }, t.display_name)));
    if (therapists.length === 1) select.value = therapists[0].id;
    if (therapists.length === 0) {
      submit.disabled = true;
      result.replaceChildren(h("p", { class: "hint", id: "no-therapists" }, "There is no active therapist account yet. An admin adds one in the Admin area."));
    }
  }).catch((err) => {
    select.replaceChildren(h("option", { value: "" }, "Not available"));
    result.replaceChildren(h("p", { class: "error", role: "alert" }, `Could not load the therapists (${err.code}).`));
  });
  return h("div", {}, h("label", { for: "therapist" }, "Therapist"), select);
}

export function todayView(app) {
  const result = h("div", { id: "created", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Create session");
  const forOthers = app.user.role !== "therapist";
  const form = h("form", { class: "inline-form card", id: "create-form" },
    forOthers ? therapistPicker(app, submit, result) : null,
    h("div", {}, h("label", { for: "label" }, "Label ", h("span", { class: "hint" }, "(optional, e.g. 2pm appointment — no names)")), h("input", { id: "label", maxlength: 80 })),
    h("div", {}, h("label", { for: "lang" }, "Language"), h("select", { id: "lang" }, h("option", { value: "en" }, "English"), h("option", { value: "es" }, "Spanish"))),
    submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.replaceChildren();
    try {
      const therapistId = forOthers ? form.therapist.value : null;
      const created = await app.createSession(form.label.value.trim(), form.lang.value, therapistId);
      result.append(h("div", { class: "card", id: "new-code" },
        h("p", {}, forOthers ? `Session for ${form.therapist.selectedOptions[0]?.textContent ?? "the therapist"}. Give the client this code for the kiosk:` : "Give the client this code for the kiosk:"),
        h("p", { class: "code-display", id: "session-code" }, created.code),
        h("p", { class: "hint" }, `Expires ${formatTime(created.expires_at)}. It works once.`)));
      form.label.value = "";
      document.getElementById("session-list")?.replaceChildren(sessionList(app, "today"));
    } catch (err) {
      result.append(h("p", { class: "error", role: "alert" }, err.code === "therapist_required" ? "Choose the therapist the session is for." : `Could not create the session (${err.code}).`));
    }
  });
  return [h("h1", {}, "Today's sessions"), responderStatus(app), h("h2", {}, "New session"), form, result, h("h2", {}, "Sessions"),
    h("div", { id: "session-list" }, sessionList(app, "today"))];
}

/** The table of today's or all sessions; re-rendered alone on live events. */
export function sessionList(app, which) {
  const newest = [...app.store.sessions.values()].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  if (which === "today") return sessionTable(app, newest.filter((s) => isToday(s.created_at)), "Today's sessions");
  return sessionTable(app, newest, "All sessions");
}

export function historyView(app) {
  return [h("h1", {}, "History"), h("div", { id: "session-list" }, sessionList(app, "all"))];
}

export function sessionView(app, id) {
  const s = app.store.session(id);
  if (s.status === "erased") {
    return [h("h1", {}, `Session ${id.slice(0, 8)}`, " ", statusBadge("erased")),
      h("p", { id: "erased-note" }, "The client erased this session. Nothing of what was said remains.")];
  }
  const alerts = s.alerts.map((a) => app.store.alerts.get(a)).filter(Boolean);
  // Actions come from the server with the status: only what applies now is offered.
  const can = (action) => (s.actions ?? []).includes(action);
  const callIn = can("call_in") ? h("button", { type: "button", class: "btn btn-primary", id: "call-in" }, "Call in") : null;
  const callNote = h("span", { role: "status", id: "call-in-status" });
  if (s.called_in_at) callNote.textContent = callInText(s);
  callIn?.addEventListener("click", async () => {
    try {
      const res = await app.api.post(`/api/sessions/${encodeURIComponent(id)}/call-in`);
      s.called_in_at = res.at ?? new Date().toISOString();
      s.call_in_delivered = res.delivered !== false;
      callNote.textContent = callInText(s);
    } catch (err) {
      callNote.textContent = `Could not call in (${err.code}).`;
    }
  });
  const clear = can("clear_crisis") ? h("button", { type: "button", class: "btn btn-danger", id: "clear-crisis" }, "Clear the crisis screen at the kiosk") : null;
  const clearNote = h("span", { role: "status", id: "clear-crisis-status" });
  clear?.addEventListener("click", async () => {
    try {
      const res = await app.api.post(`/api/sessions/${encodeURIComponent(id)}/clear-crisis`);
      clearNote.textContent = res.delivered ? "The kiosk was cleared." : "The kiosk is not connected.";
    } catch (err) {
      clearNote.textContent = `Could not clear (${err.code}).`;
    }
  });
  const base = `/api/sessions/${encodeURIComponent(id)}/export`;
  return [
    h("h1", {}, s.label || `Session ${id.slice(0, 8)}`, " ", statusBadge(s.status)),
    h("p", {}, s.kiosk_name ? `Kiosk ${s.kiosk_name} · ` : "", s.lang ? `Language: ${languageName(s.lang)}` : "", " ", sessionMarks(s).slice(0, 3)),
    pendingCode(app, s),
    // The call-in note stays once called in ("..., session ended"), with or without the button.
    callIn || clear || s.called_in_at ? h("div", { class: "inline-form" }, callIn, callIn || s.called_in_at ? callNote : null, clear, clear ? clearNote : null) : null,
    s.liveView || s.turns.length ? null : h("p", { class: "hint", id: "consent-scope" }, "Live view is off: as the client's consent says, you see the summary drafts as they form and the summary the client approves, never what was said word for word."),
    breakGlassRecords(s),
    alerts.length ? h("section", { "aria-labelledby": "alerts-h" }, h("h2", { id: "alerts-h" }, "Risk alerts"), alerts.map((a) => alertCard(app, a))) : null,
    h("div", { class: "grid2" },
      h("section", { class: "card summary", id: "approved-summary", "aria-labelledby": "approved-h" },
        h("h2", { id: "approved-h" }, "Client-approved summary", s.approved ? h("span", { class: "approved-tag" }, "APPROVED") : null),
        s.approved ? summaryView(s.approved) : h("p", {}, "Not approved yet."),
        s.approved ? h("p", {}, h("a", { href: `${base}?format=md`, download: true }, "Export Markdown"), " · ", h("a", { href: `${base}?format=json`, download: true }, "Export JSON")) : null),
      // Once the client approved, the draft is history: only the approved version is shown.
      s.approved ? null : h("section", { class: "card summary", id: "draft-summary", "aria-labelledby": "draft-h" },
        h("h2", { id: "draft-h" }, "Live draft", h("span", { class: "draft-tag" }, "DRAFT — not yet approved by the client")),
        s.draft ? summaryView(s.draft) : h("p", {}, "Nothing yet."))),
    s.turns.length ? h("section", { class: "card", "aria-labelledby": "transcript-h" }, h("h2", { id: "transcript-h" }, "Live transcript"),
      h("ol", { class: "transcript" }, s.turns.map((t) => h("li", {}, h("strong", {}, "Client: "), t.client_text, h("br"), h("strong", {}, "Kiosk: "), t.reply_text)))) : null,
    s.feedback ? h("section", { class: "card" }, h("h2", {}, "Client feedback"), h("p", {}, `Rating: ${s.feedback.rating ?? "skipped"}${s.feedback.flagged_turns?.length ? ` · replies flagged: ${s.feedback.flagged_turns.join(", ")}` : ""}`)) : null,
    app.user.role === "admin" ? breakGlassPanel(app, id) : null,
  ];
}

const LANGUAGES = { en: "English", es: "Spanish" };

function languageName(code) {
  return LANGUAGES[code] ? `${LANGUAGES[code]} (${code})` : code;
}

/** A pending session's code, shown again, and a Cancel that makes it stop working. */
function pendingCode(app, s) {
  if (!s.code && !(s.actions ?? []).includes("cancel")) return null;
  const note = h("p", { role: "status", id: "cancel-status" });
  const cancel = (s.actions ?? []).includes("cancel")
    ? h("button", { type: "button", class: "btn btn-danger", id: "cancel-session" }, "Cancel this session")
    : null;
  cancel?.addEventListener("click", async () => {
    try {
      app.store.mergeRest(await app.api.post(`/api/sessions/${encodeURIComponent(s.id)}/cancel`));
      app.store.changed({ event: "session_cancelled", sessionId: s.id });
      app.scheduleRender();
    } catch (err) {
      note.textContent = `Could not cancel (${err.code}).`;
    }
  });
  return h("section", { class: "card", id: "pending-code", "aria-labelledby": "pending-code-h" },
    h("h2", { id: "pending-code-h" }, "Code for the kiosk"),
    s.code ? h("p", { class: "code-display", id: "session-code" }, s.code) : null,
    h("p", { class: "hint" }, `Expires ${formatTime(s.expires_at)}. It works once; cancelling makes it stop working.`),
    cancel, note);
}

function alertCard(app, alert) {
  const evidence = triggerWords(alert).map((w) => `“${w}”`).join(" · ");
  const note = h("input", { class: "ack-note", id: `card-note-${alert.alert_id}`, maxlength: 2000, placeholder: "Note (optional): what was done" });
  const ack = alert.acknowledged
    ? h("p", { class: "ack-record" }, `Acknowledged ${formatTime(alert.acknowledged_at)}${alert.by_name ? ` by ${alert.by_name}` : ""}${alert.ack_note ? ` — note: ${alert.ack_note}` : ""}`)
    : h("div", { class: "inline-form" },
      h("div", {}, h("label", { for: `card-note-${alert.alert_id}` }, "Note ", h("span", { class: "hint" }, "(optional)")), note),
      h("button", { type: "button", class: "btn btn-danger", onclick: () => app.acknowledge(alert.alert_id, note.value.trim()) }, "Acknowledge"));
  return h("div", { class: `card alert-item${alert.acknowledged ? " acknowledged" : ""}`, dataset: { alertId: alert.alert_id } },
    h("p", {}, h("strong", {}, alert.urgent ? "URGENT " : "Flag "), describeAlert(alert), alert.kiosk_name ? ` · ${alert.kiosk_name}` : "", " · ", formatTime(alert.raised_at ?? alert.created_at)),
    evidence ? h("p", {}, "Trigger words: ", evidence) : null,
    alert.escalated || alert.escalated_at ? h("p", {}, "Escalated to front desk and admins (not acknowledged in time).") : null,
    ack);
}
