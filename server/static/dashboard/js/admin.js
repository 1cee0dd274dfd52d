// Admin area: accounts, kiosks, feedback reports and the audit log.

import { formatTime, h } from "./dom.js";

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
  const users = await load(app, "/api/users", (data) => table("Accounts", ["Username", "Name", "Role", "Two-step"],
    (data.users ?? []).map((u) => [u.username, u.display_name ?? "", u.role, u.totp_enabled ? "on" : "off"])));
  const userForm = h("form", { class: "inline-form card", id: "user-form" },
    h("div", {}, h("label", { for: "new-username" }, "Username"), h("input", { id: "new-username", required: true, autocomplete: "off" })),
    h("div", {}, h("label", { for: "new-name" }, "Display name"), h("input", { id: "new-name" })),
    h("div", {}, h("label", { for: "new-role" }, "Role"), h("select", { id: "new-role" }, ["therapist", "front_desk", "admin"].map((r) => h("option", { value: r }, r.replace("_", " "))))),
    h("div", {}, h("label", { for: "new-password" }, "Temporary password"), h("input", { id: "new-password", type: "password", required: true, autocomplete: "new-password", minlength: 12 })),
    h("button", { type: "submit", class: "btn btn-primary" }, "Add account"));
  const userNote = h("p", { role: "status" });
  userForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await app.api.post("/api/users", { username: userForm["new-username"].value, display_name: userForm["new-name"].value, role: userForm["new-role"].value, password: userForm["new-password"].value });
      reload();
    } catch (err) {
      userNote.textContent = `Could not add the account (${err.code}).`;
    }
  });

  const enrolled = h("div", { "aria-live": "polite", id: "kiosk-token" });
  const kiosks = await load(app, "/api/kiosks", (data) => table("Kiosks", ["Name", "Enrolled", "Last seen", "State", "Actions"],
    (data.kiosks ?? []).map((k) => [k.name, formatTime(k.enrolled_at), formatTime(k.last_seen_at), k.revoked ? "revoked" : "active",
      k.revoked ? "" : h("button", { type: "button", class: "btn", onclick: async () => { await app.api.del(`/api/kiosks/${encodeURIComponent(k.id)}`); reload(); } }, `Revoke ${k.name}`)])));
  const kioskForm = h("form", { class: "inline-form card", id: "kiosk-form" },
    h("div", {}, h("label", { for: "kiosk-name" }, "Kiosk name"), h("input", { id: "kiosk-name", required: true })),
    h("button", { type: "submit", class: "btn btn-primary" }, "Enrol kiosk"));
  kioskForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const created = await app.api.post("/api/kiosks", { name: kioskForm["kiosk-name"].value });
      const url = `${location.origin}/kiosk/?token=${encodeURIComponent(created.token)}`;
      enrolled.replaceChildren(h("div", { class: "card" },
        h("p", {}, "Open this address once on the kiosk (the token is shown only now):"),
        h("p", { class: "token" }, url)));
    } catch (err) {
      enrolled.replaceChildren(h("p", { class: "error" }, `Could not enrol (${err.code}).`));
    }
  });

  const feedback = await load(app, "/api/feedback", (data) => [
    h("p", {}, `${data.count ?? 0} responses · average rating ${data.average_rating ?? "—"} · replies flagged as wrong: ${data.flagged_replies ?? 0}`),
    table("Feedback", ["When", "Rating", "Comment", "Flagged replies"], (data.items ?? []).map((f) => [formatTime(f.created_at ?? f.at), f.rating ?? "skipped", f.comment ?? "", (f.flagged_turns ?? []).join(", ")])),
  ]);
  const audit = await load(app, "/api/audit?limit=100", (data) => table("Audit log", ["When", "Who", "Action", "Target"],
    (data.entries ?? data.items ?? []).map((e) => [formatTime(e.at ?? e.created_at), e.actor ?? e.user ?? "", e.action, e.target ?? e.session_id ?? ""])));

  return [
    h("h1", {}, "Admin"),
    h("h2", {}, "Accounts"), users, userForm, userNote,
    h("h2", {}, "Kiosks"), kiosks, kioskForm, enrolled,
    h("h2", {}, "Feedback reports"), feedback,
    h("h2", {}, "Audit log"), audit,
  ];
}
