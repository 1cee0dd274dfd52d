// Summary review: the client approves, edits or removes each item before the therapist sees it.

const FIELDS = ["themes", "feelings", "key_phrases", "focus", "questions"];

function itemsOf(summary, field) {
  if (field === "focus") return summary.focus ? [summary.focus] : [];
  const values = summary[field] ?? [];
  // Feelings are {word, intensity} from the summarizer ({name, ...} in older protocol text).
  return values.map((value) => (typeof value === "string" ? value : value.word ?? value.name ?? ""));
}

// The item a Remove or Save was pressed on: focus returns near it when the new summary arrives.
let acted = null;
// Removals wait here, each with an Undo, until the client sends the summary: they reach the
// server together with the approval (the server keeps review changes only once approved, so
// nothing reaches the therapist sooner either way). Keys are "field:index"; edits keep indexes.
const pending = new Map();

/** The messages "Send to my therapist" sends: the removals still standing, then the approval. */
export function approveMessages() {
  // Highest index first in each field, so each removal still names the item it was meant for.
  const removals = [...pending.values()].sort((a, b) => b.index - a.index);
  pending.clear();
  return [...removals, { type: "review", action: "approve" }];
}

/** Render the summary; send(message) is called with protocol `review` messages. */
export function renderReview(container, summary, { t, send }) {
  if (container.childElementCount === 0) pending.clear(); // a new review starts empty
  container.replaceChildren();
  let total = 0;
  const focus = (summary.focus ?? "").trim().toLowerCase();
  for (const field of FIELDS) {
    // The focus sentence has its own section: not shown again as a phrase or question.
    const items = itemsOf(summary, field)
      .map((text, index) => ({ text, index }))
      .filter(({ text }) => field === "focus" || !focus || text.trim().toLowerCase() !== focus);
    if (items.length === 0) continue;
    total += items.length;
    const section = document.createElement("section");
    const heading = document.createElement("h2");
    heading.id = `review-${field}`;
    heading.textContent = t(`review.${field}`);
    const list = document.createElement("ul");
    list.setAttribute("aria-labelledby", heading.id);
    for (const { text, index } of items) list.append(reviewItem(field, index, text, { t, send }));
    section.append(heading, list);
    container.append(section);
  }
  const safety = summary.disclosures ?? [];
  if (safety.length > 0) {
    // Shown so the client knows; not editable: safety words always reach the therapist.
    total += safety.length;
    const section = document.createElement("section");
    const heading = document.createElement("h2");
    heading.id = "review-disclosures";
    heading.textContent = t("review.disclosures");
    const note = document.createElement("p");
    note.textContent = t("review.disclosures_note");
    const list = document.createElement("ul");
    list.setAttribute("aria-labelledby", heading.id);
    for (const text of safety) {
      const item = document.createElement("li");
      item.textContent = text;
      list.append(item);
    }
    section.append(heading, note, list);
    container.append(section);
  }
  if (total === 0) {
    const empty = document.createElement("p");
    empty.textContent = t("review.empty");
    container.append(empty);
  }
  restoreFocus(container);
}

/** After Remove/Save: the same place in the list (the next item), else Send. */
function restoreFocus(container) {
  if (!acted) return;
  if (acted.undo) {
    // Removed: focus its Undo; undone: focus its Remove again.
    const item = container.querySelector(`.review-item[data-field="${acted.field}"][data-index="${acted.index}"]`);
    acted = null;
    (item?.querySelector(".undo") ?? item?.querySelector(".remove"))?.focus();
    return;
  }
  const { field, index } = acted;
  acted = null;
  const items = [...container.querySelectorAll(`.review-item[data-field="${field}"]`)];
  const target = items.find((el) => Number(el.dataset.index) >= index) ?? items.at(-1);
  const button = target?.querySelector("button:not([disabled])");
  (button ?? document.getElementById("review-approve"))?.focus();
}

function reviewItem(field, index, text, { t, send }) {
  const item = document.createElement("li");
  item.className = "review-item";
  item.dataset.field = field;
  item.dataset.index = String(index);
  const key = `${field}:${index}`;
  const rerender = () => {
    acted = { field, index, undo: true };
    item.replaceWith(reviewItem(field, index, text, { t, send }));
    restoreFocus(document.getElementById("review-items") ?? document);
  };
  const span = document.createElement("span");
  span.className = "item-text";
  span.textContent = text;
  if (pending.has(key)) {
    item.classList.add("removed");
    const note = document.createElement("span");
    note.className = "removed-note";
    note.textContent = t("review.removed");
    const undo = button(t("review.undo"), "btn btn-secondary undo", `${t("review.undo")}: ${text}`);
    undo.addEventListener("click", () => {
      pending.delete(key);
      rerender();
    });
    item.append(span, note, undo);
    return item;
  }
  const edit = button(t("review.edit"), "btn btn-secondary", `${t("review.edit")}: ${text}`);
  const remove = button(t("review.remove"), "btn btn-secondary remove", `${t("review.remove")}: ${text}`);
  edit.addEventListener("click", () => startEdit(item, field, index, text, { t, send }));
  remove.addEventListener("click", () => {
    pending.set(key, { type: "review", action: "remove", field, index });
    rerender();
  });
  item.append(span, edit, remove);
  return item;
}

function startEdit(item, field, index, text, { t, send }) {
  const area = document.createElement("textarea");
  area.rows = 2;
  area.maxLength = 500;
  area.value = text;
  area.setAttribute("aria-label", t("review.edit_label"));
  const save = button(t("review.save_edit"), "btn btn-primary");
  const cancel = button(t("review.cancel_edit"), "btn btn-secondary");
  const original = [...item.childNodes];
  item.replaceChildren(area, save, cancel);
  area.focus();
  save.addEventListener("click", () => {
    const value = area.value.trim();
    if (!value) return;
    acted = { field, index };
    send({ type: "review", action: "edit", field, index, text: value });
    save.disabled = true;
  });
  cancel.addEventListener("click", () => {
    item.replaceChildren(...original);
    item.querySelector("button")?.focus();
  });
  // Esc leaves the edit as it was, like Cancel.
  item.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && area.isConnected) {
      event.preventDefault();
      cancel.click();
    }
  });
}

function button(label, className, ariaLabel) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = className;
  el.textContent = label;
  if (ariaLabel) el.setAttribute("aria-label", ariaLabel);
  return el;
}

/** Build the 1-5 rating radio buttons. */
export function buildRating(container, t) {
  container.replaceChildren();
  for (let n = 1; n <= 5; n++) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "rating";
    input.value = String(n);
    input.setAttribute("aria-label", t("feedback.rating_value", { n }));
    const face = document.createElement("span");
    face.textContent = String(n);
    face.setAttribute("aria-hidden", "true");
    label.append(input, face);
    container.append(label);
  }
}
