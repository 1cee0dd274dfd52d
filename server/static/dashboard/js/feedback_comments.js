// The clients' comments about the kiosk, for admins: fetched only on request (the read of
// client text is recorded in the audit log), never kept after the page changes.

import { formatTime, h } from "./dom.js";

export function feedbackCommentsPanel(app) {
  const box = h("div", { id: "feedback-comments", "aria-live": "polite" });
  const show = h("button", { type: "button", class: "btn", id: "show-feedback-comments" }, "Show the comments");
  show.addEventListener("click", async () => {
    box.replaceChildren(h("p", {}, "Loading…"));
    try {
      const data = await app.api.get("/api/admin/feedback/comments");
      const comments = data.comments ?? [];
      box.replaceChildren(comments.length === 0 ? h("p", {}, "No comments.") : h("table", {},
        h("caption", { class: "visually-hidden" }, "Feedback comments"),
        h("thead", {}, h("tr", {}, ["When", "Rating", "Comment"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, comments.map((c) => h("tr", {},
          h("td", {}, formatTime(c.at)), h("td", {}, c.rating ?? "skipped"), h("td", { class: "comment" }, c.comment))))));
    } catch (err) {
      box.replaceChildren(h("p", { class: "error", role: "alert" }, `Not available (${err.code}).`));
    }
  });
  return h("section", { class: "card", "aria-labelledby": "feedback-comments-h" },
    h("h3", { id: "feedback-comments-h" }, "Comments"),
    h("p", { class: "hint" }, "What clients wrote about the kiosk. Reading them is recorded in the audit log."),
    show, box);
}
