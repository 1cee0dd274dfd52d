// Admin area: accounts, kiosks, feedback reports and the audit log.

import { kiosksPanel } from "./admin_kiosks.js";
import { usersPanel } from "./admin_users.js";
import { auditPanel } from "./audit.js";
import { formatTime, h } from "./dom.js";
import { feedbackCommentsPanel } from "./feedback_comments.js";

function table(caption, columns, rows) {
  if (rows.length === 0) return h("p", {}, "None.");
  return h("table", {}, h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c))))));
}

async function load(app, path, render) {
  const box = h("div", {}, h("p", {}, "Loading…"));
  app.api.get(path).then((data) => box.replaceChildren(...[render(data)].flat()))
    .catch((err) => box.replaceChildren(h("p", { class: "error" }, `Not available (${err.code}).`)));
  return box;
}

export async function adminView(app) {
  const feedback = await load(app, "/api/feedback", (data) => [
    h("p", {}, `${data.count ?? 0} responses · average rating ${data.average_rating ?? "—"} · replies flagged as wrong: ${data.flagged_replies ?? 0}`),
    // Comments are client text: shown only on request, as an audited read (feedback_comments.js).
    table("Feedback", ["When", "Rating", "Replies flagged"], (data.items ?? []).map((f) => [formatTime(f.at), f.rating ?? "skipped", String(f.flagged ?? 0)])),
  ]);
  return [
    h("h1", {}, "Admin"),
    h("h2", {}, "Accounts"), usersPanel(app),
    h("h2", {}, "Kiosks"), kiosksPanel(app),
    h("h2", {}, "Feedback reports"), feedback, feedbackCommentsPanel(app),
    h("h2", {}, "Audit log"), auditPanel(app),
  ];
}
