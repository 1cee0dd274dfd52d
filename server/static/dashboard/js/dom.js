// Tiny DOM builder: h("button", {class: "btn", onclick}, "Text"). Text is always text, never HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

export function isToday(iso) {
  if (!iso) return true;
  const date = new Date(iso);
  const now = new Date();
  return date.toDateString() === now.toDateString();
}

/** Render a summary (themes, feelings, key phrases, focus) as a definition list. */
export function summaryView(summary) {
  const feelings = (summary.feelings ?? []).map((f) => (typeof f === "string" ? f : `${f.word ?? f.name ?? ""}${f.intensity != null ? ` (${f.intensity})` : ""}`));
  const rows = [
    ["Themes", summary.themes ?? []],
    ["Feelings", feelings],
    ["In the client's words", (summary.key_phrases ?? []).map((p) => `“${p}”`)],
    ["Wants to focus on", summary.focus ? [summary.focus] : []],
    ["Questions for you", (summary.questions ?? []).map((q) => `“${q}”`)],
    ["Safety: the client's words", (summary.disclosures ?? []).map((d) => `“${d}”`)],
  ];
  const flags = summary.risk_flags ?? [];
  if (flags.length) rows.push(["Risk flags", flags.map((f) => `level ${f.level}: ${(f.categories ?? []).join(", ")}`)]);
  return h("dl", {}, rows.filter(([, v]) => v.length).map(([k, v]) => [h("dt", {}, k), ...v.map((x) => h("dd", {}, x))]));
}
