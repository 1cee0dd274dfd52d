// Emergency access: the admin's break-glass read of a session, and the record the therapist sees.

import { formatTime, h, summaryView } from "./dom.js";

/** The therapist's (and admin's) view of every emergency access to this session. */
export function breakGlassRecords(session) {
  const records = session.break_glass ?? [];
  if (!records.length) return null;
  return h("section", { class: "card break-glass-record", id: "break-glass-records", "aria-labelledby": "bg-records-h" },
    h("h2", { id: "bg-records-h" }, "Emergency access to this session"),
    h("p", {}, "An administrator read this session's client text under emergency (break-glass) access:"),
    h("ul", {}, records.map((r) => h("li", {},
      h("strong", {}, formatTime(r.at)), ` — administrator ${String(r.admin_id).slice(0, 8)}. Reason given: `, h("q", {}, r.reason)))));
}

function content(read) {
  const turns = read.turns ?? [];
  return h("div", { class: "card", id: "break-glass-content", tabindex: "-1" },
    h("h3", {}, `Read under emergency access at ${formatTime(new Date().toISOString())}`),
    h("p", {}, "Reason recorded: ", h("q", {}, read.reason)),
    h("h4", {}, read.summary_approved ? "Client-approved summary" : "Latest summary (draft)"),
    read.summary ? h("div", { class: "summary" }, summaryView(read.summary)) : h("p", {}, "No summary."),
    h("h4", {}, "Transcript"),
    turns.length
      ? h("ol", { class: "transcript" }, turns.map((t) => h("li", {}, h("strong", {}, t.speaker === "client" ? "Client: " : "Kiosk: "), t.text)))
      : h("p", {}, "No turns stored (none said, or erased)."),
    (read.alerts ?? []).length
      ? [h("h4", {}, "Risk alerts"), h("ul", {}, read.alerts.map((a) => h("li", {}, `Level ${a.level} (${a.categories.join(", ")}) at ${formatTime(a.raised_at)}${a.acknowledged_at ? ", acknowledged" : ", NOT acknowledged"}`)))]
      : null);
}

/** For admins: read a session's client text with a stated reason (audited, shown to the therapist). */
export function breakGlassPanel(app, sessionId) {
  const earlier = app.store.session(sessionId).breakGlassRead;
  const out = h("div", { id: "break-glass-result" }, earlier ? content(earlier) : null);
  const error = h("p", { class: "error", role: "alert", id: "break-glass-error" });
  const form = h("form", { class: "stack", id: "break-glass-form" },
    h("div", {},
      h("label", { for: "break-glass-reason" }, "Reason (required)"),
      h("p", { class: "hint", id: "break-glass-hint" }, "Say why this cannot wait for the therapist, e.g. \"client in crisis, therapist unreachable\". Do not include more client detail than needed."),
      h("textarea", { id: "break-glass-reason", required: true, minlength: 5, maxlength: 2000, rows: 3, "aria-describedby": "break-glass-warning break-glass-hint" })),
    error,
    h("button", { type: "submit", class: "btn btn-danger" }, "Read this session under emergency access"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const reason = form["break-glass-reason"].value.trim();
    if (reason.length < 5) {
      error.textContent = "Give a reason of at least 5 characters.";
      return;
    }
    try {
      const read = await app.api.post(`/api/admin/sessions/${encodeURIComponent(sessionId)}/break-glass`, { reason });
      form.reset();
      // Kept in memory only, so a live re-render of this page does not lose what was read.
      app.store.mergeRest(read.session).breakGlassRead = read;
      // Re-render so the new access also shows in the record list, then land on what was read.
      await app.route(false);
      document.getElementById("break-glass-content")?.focus();
    } catch (err) {
      error.textContent = err.code === "not_found" ? "No such session (it may have been purged)." : `Emergency access failed (${err.code}).`;
    }
  });
  return h("section", { class: "card break-glass", id: "break-glass", "aria-labelledby": "break-glass-h" },
    h("h2", { id: "break-glass-h" }, "Emergency access (break-glass)"),
    h("p", { class: "warning", id: "break-glass-warning" },
      h("strong", {}, "Only for emergencies. "),
      "Reading this session's client text is recorded in the audit log with your name, the time and your reason, and the session's therapist will see that you read it and why."),
    form, out);
}
