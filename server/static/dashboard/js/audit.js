// Admin: the audit log, newest first, paged with before_id, and a hash-chain check.

import { formatTime, h } from "./dom.js";

const PAGE = 50;

function detailText(detail) {
  return Object.entries(detail ?? {}).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("; ");
}

function row(entry) {
  return h("tr", { dataset: { auditId: entry.id } },
    h("td", {}, String(entry.id)),
    h("td", {}, formatTime(entry.at)),
    h("td", {}, entry.actor_name ?? entry.actor_kind),
    h("td", {}, entry.action),
    h("td", {}, entry.session_id ? h("a", { href: `#/session/${encodeURIComponent(entry.session_id)}` }, entry.session_id.slice(0, 8)) : ""),
    h("td", { class: "detail" }, detailText(entry.detail)));
}

/** The audit panel: filter by action, "Older entries" paging, "Verify chain". */
export function auditPanel(app) {
  const body = h("tbody", {});
  const table = h("table", { id: "audit-table" },
    h("caption", { class: "visually-hidden" }, "Audit log, newest first"),
    h("thead", {}, h("tr", {}, ["#", "When", "Who", "Action", "Session", "Detail"].map((c) => h("th", { scope: "col" }, c)))),
    body);
  const status = h("p", { role: "status", id: "audit-status" });
  const more = h("button", { type: "button", class: "btn", id: "audit-more", hidden: true }, "Older entries");
  const verifyResult = h("div", { role: "status", id: "audit-verify" });
  const verify = h("button", { type: "button", class: "btn", id: "audit-verify-button" }, "Verify chain");
  const filter = h("form", { class: "inline-form", id: "audit-filter" },
    h("div", {}, h("label", { for: "audit-action" }, "Action ", h("span", { class: "hint" }, "(optional, e.g. text.break_glass)")), h("input", { id: "audit-action", maxlength: 64 })),
    h("button", { type: "submit", class: "btn" }, "Show"));
  let beforeId = null;

  const load = async (reset) => {
    if (reset) {
      beforeId = null;
      body.replaceChildren();
    }
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (beforeId !== null) params.set("before_id", String(beforeId));
    const action = filter["audit-action"].value.trim();
    if (action) params.set("action", action);
    try {
      const page = await app.api.get(`/api/admin/audit?${params}`);
      body.append(...(page.entries ?? []).map(row));
      beforeId = page.next_before_id;
      more.hidden = beforeId === null;
      status.textContent = `${body.children.length} entries shown${beforeId === null ? " (all)" : ""}.`;
    } catch (err) {
      status.textContent = `Audit log not available (${err.code}).`;
    }
  };

  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    load(true);
  });
  more.addEventListener("click", () => load(false));
  verify.addEventListener("click", async () => {
    verifyResult.replaceChildren(h("p", {}, "Checking…"));
    try {
      const result = await app.api.get("/api/admin/audit/verify");
      verifyResult.replaceChildren(result.ok
        ? h("p", { class: "ok" }, `Chain intact: ${result.entries} entries checked, none altered, removed or reordered.`)
        : h("div", { class: "error" }, h("p", {}, `Chain broken: ${result.problems.length} problem(s) in ${result.entries} entries.`),
          h("ul", {}, result.problems.map((p) => h("li", {}, `Row ${p.row_id}: ${p.problem}`)))));
    } catch (err) {
      verifyResult.replaceChildren(h("p", { class: "error" }, `Could not verify (${err.code}).`));
    }
  });

  load(true);
  return [h("div", { class: "inline-form" }, filter, verify), verifyResult, status, h("div", { class: "table-scroll" }, table), more];
}
