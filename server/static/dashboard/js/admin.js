// Admin area: accounts, kiosks, feedback reports and the audit log.

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
  const reload = () => app.route();
  const enrolled = h("div", { "aria-live": "polite", id: "kiosk-token" });
  const kiosks = await load(app, "/api/kiosks", (data) => table("Kiosks", ["Name", "Enrolled", "Last seen", "State", "Staff PIN", "Actions"],
    (data.kiosks ?? []).map((k) => [k.name, formatTime(k.enrolled_at), formatTime(k.last_seen_at), k.revoked ? "revoked" : "active", k.staff_pin_set ? "set" : "none",
      k.revoked ? "" : h("button", { type: "button", class: "btn", onclick: async () => { await app.api.del(`/api/kiosks/${encodeURIComponent(k.id)}`); reload(); } }, `Revoke ${k.name}`)])));
  const kioskForm = h("form", { class: "inline-form card", id: "kiosk-form" },
    h("div", {}, h("label", { for: "kiosk-name" }, "Kiosk name ", h("span", { class: "hint" }, "(the room, e.g. Waiting room 2)")), h("input", { id: "kiosk-name", required: true })),
    h("div", {}, h("label", { for: "kiosk-pin" }, "Staff PIN ", h("span", { class: "hint" }, "(4-8 digits; clears the crisis screen at this kiosk)")),
      h("input", { id: "kiosk-pin", inputmode: "numeric", pattern: "[0-9]{4,8}", maxlength: 8, autocomplete: "off" })),
    h("button", { type: "submit", class: "btn btn-primary" }, "Enrol kiosk"));
  kioskForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = { name: kioskForm["kiosk-name"].value };
      if (kioskForm["kiosk-pin"].value) body.staff_pin = kioskForm["kiosk-pin"].value;
      const created = await app.api.post("/api/kiosks", body);
      const url = `${location.origin}${created.enrol_path}`;
      enrolled.replaceChildren(h("div", { class: "card" },
        h("p", {}, "Open this address on the kiosk within 15 minutes; it works once:"),
        h("p", { class: "token" }, url)));
    } catch (err) {
      enrolled.replaceChildren(h("p", { class: "error" }, `Could not enrol (${err.code}).`));
    }
  });

  const feedback = await load(app, "/api/feedback", (data) => [
    h("p", {}, `${data.count ?? 0} responses · average rating ${data.average_rating ?? "—"} · replies flagged as wrong: ${data.flagged_replies ?? 0}`),
    // Comments are client text: shown only on request, as an audited read (feedback_comments.js).
    table("Feedback", ["When", "Rating", "Replies flagged"], (data.items ?? []).map((f) => [formatTime(f.at), f.rating ?? "skipped", String(f.flagged ?? 0)])),
  ]);
  return [
    h("h1", {}, "Admin"),
    h("h2", {}, "Accounts"), usersPanel(app),
    h("h2", {}, "Kiosks"), kiosks, kioskForm, enrolled,
    h("h2", {}, "Feedback reports"), feedback, feedbackCommentsPanel(app),
    h("h2", {}, "Audit log"), auditPanel(app),
  ];
}
