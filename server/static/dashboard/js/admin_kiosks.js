// Admin: kiosks — the live list (online/offline, polled), enrol, a new one-time link, revoke.
// The one-time link is shown with a Copy button and a QR code the kiosk's camera or a phone can read.

import { formatTime, h } from "./dom.js";

const POLL_MS = 5000;

/** Copy text; falls back to selecting the field where the Clipboard API is not allowed (plain http). */
async function copyText(input, status) {
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = "Copied.";
  } catch {
    input.focus();
    input.select();
    status.textContent = document.execCommand?.("copy") ? "Copied." : "Selected: press Ctrl+C to copy.";
  }
}

/** The one-time enrolment address: field + Copy, QR code, expiry, a warning if it names loopback. */
export function enrolmentCard(name, link) {
  const status = h("span", { role: "status", id: "enrol-copy-status", class: "hint" });
  const input = h("input", { id: "enrol-url", readonly: true, value: link.enrol_url, class: "token", "aria-describedby": "enrol-url-hint" });
  return h("div", { class: "card enrol-card", id: "enrol-card" },
    h("h3", {}, `Set up ${name}`),
    h("p", { id: "enrol-url-hint" }, `Open this address on the kiosk before ${formatTime(link.enrol_expires_at)} (15 minutes), or scan the QR code with its camera. It works once.`),
    h("label", { for: "enrol-url" }, "One-time enrolment address"),
    h("div", { class: "copy-row" }, input,
      h("button", { type: "button", class: "btn", id: "enrol-copy", onclick: () => copyText(input, status) }, "Copy address"), status),
    link.this_machine_only
      ? h("p", { class: "warning", id: "enrol-local-warning" },
        "This address names this computer itself (localhost), so it opens only here. For a kiosk on another device, open the dashboard by the address that device uses, or set server.public_url.")
      : null,
    h("img", { src: link.enrol_qr, id: "enrol-qr", class: "qr", width: 200, height: 200, alt: `QR code of the one-time enrolment address for ${name}` }));
}

function stateCell(k) {
  if (k.revoked) return h("span", { class: "pill" }, "revoked");
  const online = h("span", { class: `pill ${k.online ? "pill-ok" : "pill-off"}` }, k.online ? "online" : "offline");
  return k.enrol_pending_until ? [online, " ", h("span", { class: "hint" }, `link open until ${formatTime(k.enrol_pending_until)}`)] : online;
}

/** The kiosks table (refreshed every few seconds while shown), the enrol form and the link card. */
export function kiosksPanel(app) {
  const box = h("div", { id: "kiosks-panel" }, h("p", {}, "Loading…"));
  const shown = h("div", { "aria-live": "polite", id: "kiosk-token" });
  const note = h("p", { role: "status", id: "kiosks-note" });

  const issue = async (k) => {
    if (!window.confirm(`Make a new enrolment link for ${k.name}? The device now using it is disconnected and must open the new link.`)) return;
    try {
      const link = await app.api.post(`/api/kiosks/${encodeURIComponent(k.id)}/enrolment`);
      shown.replaceChildren(enrolmentCard(k.name, link));
      shown.querySelector("#enrol-url")?.focus();
    } catch (err) {
      note.textContent = `Could not make a new link (${err.code}).`;
    }
    refresh();
  };
  const revoke = async (k) => {
    if (!window.confirm(`Revoke ${k.name}? It is disconnected at once and cannot connect again.`)) return;
    try {
      await app.api.del(`/api/kiosks/${encodeURIComponent(k.id)}`);
      note.textContent = `${k.name} is revoked.`;
    } catch (err) {
      note.textContent = `Could not revoke (${err.code}).`;
    }
    refresh();
  };

  const row = (k) => h("tr", { dataset: { kiosk: k.name } },
    h("td", {}, k.name), h("td", { class: "kiosk-state" }, stateCell(k)), h("td", {}, formatTime(k.last_seen_at) || "never"),
    h("td", {}, formatTime(k.enrolled_at)), h("td", {}, k.staff_pin_set ? "set" : "none"),
    h("td", {}, k.revoked ? "" : h("div", { class: "actions" },
      h("button", { type: "button", class: "btn", id: `kiosk-link-${k.id}`, "aria-label": `New enrolment link for ${k.name}`, onclick: () => issue(k) }, "New enrolment link"),
      h("button", { type: "button", class: "btn btn-danger", id: `kiosk-revoke-${k.id}`, "aria-label": `Revoke ${k.name}`, onclick: () => revoke(k) }, "Revoke"))));

  let timer = null;
  const refresh = async () => {
    clearTimeout(timer);
    if (!box.isConnected && timer !== null) return; // left the admin page: stop polling
    try {
      const data = await app.api.get("/api/kiosks");
      const kiosks = data.kiosks ?? [];
      const focused = box.contains(document.activeElement) ? document.activeElement.id : "";
      box.replaceChildren(kiosks.length === 0 ? h("p", {}, "No kiosks yet.") : h("table", { id: "kiosks-table" },
        h("caption", { class: "visually-hidden" }, "Kiosks"),
        h("thead", {}, h("tr", {}, ["Name", "State", "Last seen", "Enrolled", "Staff PIN", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, kiosks.map(row))));
      if (focused) document.getElementById(focused)?.focus(); // a refresh never takes focus away
    } catch (err) {
      if (!box.querySelector("table")) box.replaceChildren(h("p", { class: "error" }, `Not available (${err.code}).`));
    }
    timer = setTimeout(refresh, POLL_MS);
  };

  const form = h("form", { class: "inline-form card", id: "kiosk-form" },
    h("div", {}, h("label", { for: "kiosk-name" }, "Kiosk name ", h("span", { class: "hint" }, "(the room, e.g. Waiting room 2)")), h("input", { id: "kiosk-name", required: true })),
    h("div", {}, h("label", { for: "kiosk-pin" }, "Staff PIN ", h("span", { class: "hint" }, "(4-8 digits; clears the crisis screen at this kiosk)")),
      h("input", { id: "kiosk-pin", inputmode: "numeric", pattern: "[0-9]{4,8}", maxlength: 8, autocomplete: "off" })),
    h("button", { type: "submit", class: "btn btn-primary" }, "Enrol kiosk"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = { name: form["kiosk-name"].value.trim() };
      if (form["kiosk-pin"].value) body.staff_pin = form["kiosk-pin"].value;
      const created = await app.api.post("/api/kiosks", body);
      form.reset();
      shown.replaceChildren(enrolmentCard(body.name, created));
      shown.querySelector("#enrol-url")?.focus();
    } catch (err) {
      shown.replaceChildren(h("p", { class: "error" }, err.code === "conflict" ? "A kiosk with that name exists already." : `Could not enrol (${err.code}).`));
    }
    refresh();
  });

  refresh();
  return [box, note, h("h3", {}, "New kiosk"), form, shown];
}
