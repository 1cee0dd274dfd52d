// Admin: accounts through /api/admin/users — create and reset with one-time passwords,
// activate/deactivate, turn off a lost authenticator.

import { passwordRules } from "./account.js";
import { formatTime, h } from "./dom.js";

const ROLES = ["therapist", "front_desk", "admin"];

function stateText(user) {
  const parts = [user.active ? "active" : "deactivated"];
  if (user.locked_until && new Date(user.locked_until) > new Date()) parts.push(`locked until ${formatTime(user.locked_until)}`);
  if (user.password_change_required) parts.push("must change password");
  return parts.join(" · ");
}

/** The one-time password, shown once, with who to hand it to. */
function oneTimeCard(result, what) {
  return h("div", { class: "card", id: "one-time-card" },
    h("p", {}, `${what} for ${result.user.username}. Give this one-time password to them in person; it is shown only now, and they must choose their own at first sign-in:`),
    h("p", { class: "token", id: "one-time-password" }, result.one_time_password));
}

/** The accounts table, its actions and the new-account form. */
export function usersPanel(app) {
  const box = h("div", { id: "users-panel" }, h("p", {}, "Loading…"));
  const note = h("div", { role: "status", id: "users-note" });

  const act = async (user, action) => {
    note.replaceChildren();
    const id = encodeURIComponent(user.id);
    try {
      if (action === "reset") {
        if (!window.confirm(`Reset the password of ${user.username}? They are signed out everywhere and need the new one-time password.`)) return;
        note.append(oneTimeCard(await app.api.post(`/api/admin/users/${id}/reset-password`), "New one-time password"));
      } else if (action === "active") {
        if (user.active && !window.confirm(`Deactivate ${user.username}? They are signed out everywhere at once.`)) return;
        await app.api.post(`/api/admin/users/${id}/active`, { active: !user.active });
        note.append(h("p", {}, `${user.username} is now ${user.active ? "deactivated" : "active"}.`));
      } else if (action === "totp") {
        if (!window.confirm(`Turn off two-step sign-in for ${user.username}? Do this only when they lost their authenticator.`)) return;
        await app.api.post(`/api/admin/users/${id}/totp/disable`);
        note.append(h("p", {}, `Two-step sign-in is off for ${user.username}.`));
      }
    } catch (err) {
      note.append(h("p", { class: "error" }, {
        cannot_disable_self: "You cannot deactivate your own account.",
      }[err.code] ?? `That did not work (${err.code}).`));
    }
    await refresh();
  };

  const button = (label, name, onclick, danger = false) =>
    h("button", { type: "button", class: danger ? "btn btn-danger" : "btn", "aria-label": name, onclick }, label);

  const refresh = async () => {
    try {
      const data = await app.api.get("/api/admin/users");
      const users = data.users ?? [];
      box.replaceChildren(h("table", { id: "users-table" },
        h("caption", { class: "visually-hidden" }, "Accounts"),
        h("thead", {}, h("tr", {}, ["Username", "Name", "Role", "State", "Two-step", "Last sign-in", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, users.map((u) => h("tr", { dataset: { username: u.username } },
          h("td", {}, u.username), h("td", {}, u.display_name), h("td", {}, u.role.replace("_", " ")),
          h("td", {}, stateText(u)), h("td", {}, u.totp_enabled ? "on" : "off"), h("td", {}, formatTime(u.last_login_at) || "never"),
          h("td", {}, h("div", { class: "actions" },
            button("Reset password", `Reset password of ${u.username}`, () => act(u, "reset")),
            button(u.active ? "Deactivate" : "Activate", `${u.active ? "Deactivate" : "Activate"} ${u.username}`, () => act(u, "active"), u.active),
            u.totp_enabled ? button("Turn off two-step", `Turn off two-step sign-in for ${u.username}`, () => act(u, "totp")) : null)))))));
    } catch (err) {
      box.replaceChildren(h("p", { class: "error" }, `Not available (${err.code}).`));
    }
  };

  const form = h("form", { class: "inline-form card", id: "user-form" },
    h("div", {}, h("label", { for: "new-username" }, "Username"),
      h("input", { id: "new-username", required: true, autocomplete: "off", maxlength: 64, pattern: "[A-Za-z0-9_.@\\-]+", "aria-describedby": "new-username-hint" }),
      h("span", { class: "hint", id: "new-username-hint" }, "Letters, digits and _ . @ -")),
    h("div", {}, h("label", { for: "new-name" }, "Display name"), h("input", { id: "new-name", maxlength: 128 })),
    h("div", {}, h("label", { for: "new-role" }, "Role"), h("select", { id: "new-role" }, ROLES.map((r) => h("option", { value: r }, r.replace("_", " "))))),
    h("button", { type: "submit", class: "btn btn-primary" }, "Add account"),
    h("div", { class: "hint", id: "new-account-rules" },
      h("p", {}, "The account gets a one-time password. At first sign-in they choose their own, which must be:"),
      passwordRules("admin-password-rules")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    note.replaceChildren();
    try {
      const created = await app.api.post("/api/admin/users", { username: form["new-username"].value.trim(), display_name: form["new-name"].value.trim(), role: form["new-role"].value });
      form.reset();
      note.append(oneTimeCard(created, "Account created"));
    } catch (err) {
      note.append(h("p", { class: "error" }, err.code === "conflict" ? "That username is taken." : `Could not add the account (${err.code}).`));
    }
    await refresh();
  });

  refresh();
  return [box, h("h3", {}, "New account"), form, note];
}
