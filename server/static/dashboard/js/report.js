// Evaluation report (admins): counts by language and kiosk, disparity flags, a chart with its
// table, and the review queue (opened with a stated reason, like emergency access).

import { formatTime, h } from "./dom.js";

const LABELS = {
  sessions: "Sessions", consent_answers: "Consent answers", consent_declines: "Consent declined",
  client_turns: "Client turns", reply_turns: "Replies", check_ins: "Check-ins (level 1)",
  crises: "Crises (urgent alerts)", alerts: "Risk alerts", alerts_unacknowledged: "Alerts not acknowledged",
  filter_blocks: "Replies blocked by the filter", reply_flags: "Replies flagged by clients",
  typed_turns: "Typed turns", spoken_turns: "Spoken turns", empty_transcripts: "Nothing heard",
  repeated_transcripts: "Repeated words", ratings: "Ratings", low_ratings: "Ratings 1-2",
  summaries_approved: "Summaries approved", summaries_corrected: "Summaries corrected",
  summary_edits: "Summary edits", summary_removals: "Summary removals",
};

function label(key) {
  if (LABELS[key]) return LABELS[key];
  if (key.startsWith("filter_block_reason_")) return `Blocked: ${key.slice(20).replaceAll("_", " ")}`;
  if (key.startsWith("responder_")) return `Responder: ${key.slice(10)}`;
  if (key.startsWith("screening_level_")) return `Screening level ${key.slice(16)}`;
  if (key.startsWith("rating_")) return `Rating ${key.slice(7)}`;
  return key.replaceAll("_", " ");
}

function countsTable(report) {
  const columns = [["All", report.total],
    ...Object.entries(report.by_language).map(([k, v]) => [`Language ${k}`, v]),
    ...Object.entries(report.by_kiosk).map(([k, v]) => [`Kiosk ${k}`, v])];
  const keys = Object.keys(report.total).sort((a, b) => label(a).localeCompare(label(b)));
  return h("table", { class: "report-table" },
    h("caption", {}, "Counts (fewer than 5 shown as “< 5”)"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Count"), columns.map(([name]) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, keys.map((key) => h("tr", {}, h("th", { scope: "row" }, label(key)),
      columns.map(([, values]) => h("td", {}, String(values[key] ?? 0)))))));
}

function ratesTable(report) {
  const langs = Object.keys(report.by_language);
  const pct = (cell) => (cell && cell.rate !== null && cell.rate !== undefined ? `${(cell.rate * 100).toFixed(1)}% (${cell.hits}/${cell.cases})` : "withheld or none");
  const flagged = new Set(report.disparities.map((d) => d.rate));
  return h("table", { class: "report-table", id: "rates-table" },
    h("caption", {}, "Rates by language (the chart's figures)"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Rate"), langs.map((l) => h("th", { scope: "col" }, l)), h("th", { scope: "col" }, "Flag"))),
    h("tbody", {}, Object.entries(report.rates_by_language).map(([name, byLang]) => h("tr", {},
      h("th", { scope: "row" }, name.replaceAll("_", " ")), langs.map((l) => h("td", {}, pct(byLang[l]))),
      h("td", {}, flagged.has(name) ? "disparity" : "")))));
}

function ackTable(report) {
  const secs = (s) => (s === null || s === undefined ? "withheld (fewer than 5)" : `${Math.round(s)} s`);
  const rows = [...Object.entries(report.alert_acknowledgement).map(([k, v]) => [k === "all" ? "All" : `Language ${k}`, v]),
    ...Object.entries(report.alert_acknowledgement_by_kiosk).map(([k, v]) => [`Kiosk ${k}`, v])];
  if (!rows.length) return h("p", {}, "No alert was acknowledged in this period.");
  return h("table", { class: "report-table" }, h("caption", {}, "Time from alert to acknowledgement"),
    h("thead", {}, h("tr", {}, ["Group", "Acknowledged", "Median", "95th percentile"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map(([name, v]) => h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, String(v.acknowledged)), h("td", {}, secs(v.p50_s)), h("td", {}, secs(v.p95_s))))));
}

function disparities(report) {
  if (!report.disparities.length) return h("p", {}, `No rate differs between languages by more than ${report.margin * 100}% with enough data (at least ${report.min_cases} cases each).`);
  return h("ul", { class: "disparities" }, report.disparities.map((d) => h("li", {},
    h("strong", {}, `${d.rate.replaceAll("_", " ")}: ${d.languages.join(" vs ")}`),
    ` differ by ${(d.difference * 100).toFixed(1)} points (p = ${d.p_value}). Look at: ${d.look_at}.`)));
}

const WINDOWS = { "7d": "Last 7 days", "30d": "Last 30 days", "13w": "Last 13 weeks", "52w": "Last 52 weeks" };

function windowForm(app, since) {
  const form = h("form", { class: "inline-form", id: "report-window" },
    h("div", {}, h("label", { for: "report-since" }, "Period"),
      h("select", { id: "report-since" }, Object.entries(WINDOWS).map(([value, text]) => h("option", { value, selected: value === since }, text)))),
    h("button", { type: "submit", class: "btn" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    app.reportSince = form["report-since"].value;
    app.route();
  });
  return form;
}

function reviewQueue(app, since) {
  const out = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", id: "review-form" },
    h("p", {}, "Opening the queue shows client words. Like emergency access, your reason is recorded and each session's therapist sees it."),
    h("div", {}, h("label", { for: "review-reason" }, "Reason for opening"), h("textarea", { id: "review-reason", required: true, minlength: 5, maxlength: 2000 })),
    h("button", { type: "submit", class: "btn btn-primary", value: "open" }, "Open review queue"),
    h("button", { type: "submit", class: "btn", value: "export" }, "Export for a first-contact set (names removed)"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { reason: form["review-reason"].value, since };
    try {
      if (event.submitter?.value === "export") {
        const lines = await app.api.post("/api/admin/review-queue/export", body);
        const link = h("a", { href: URL.createObjectURL(new Blob([lines], { type: "application/x-ndjson" })), download: "review-items.jsonl" }, "Download review-items.jsonl");
        out.replaceChildren(h("p", {}, "Export ready: "), link);
        return;
      }
      const data = await app.api.post("/api/admin/review-queue", body);
      out.replaceChildren(data.items.length ? h("table", { class: "report-table" }, h("caption", {}, `Review queue (${data.items.length})`),
        h("thead", {}, h("tr", {}, ["When", "Language", "Kiosk", "Client said", "Reply", "Why here"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, data.items.map((i) => h("tr", {}, h("td", {}, formatTime(i.at)), h("td", {}, i.language), h("td", {}, i.kiosk),
          h("td", {}, i.client_text), h("td", {}, i.reply_text),
          h("td", {}, [i.flagged ? "flagged by client" : "", ...i.filter_reasons.map((r) => `blocked: ${r}`)].filter(Boolean).join("; ")))))) : h("p", {}, "Nothing flagged or blocked in this period."));
    } catch (err) {
      out.replaceChildren(h("p", { class: "error" }, `Could not open the queue (${err.code}).`));
    }
  });
  return [form, out];
}

export async function reportView(app) {
  const since = WINDOWS[app.reportSince] ? app.reportSince : "30d";
  let report;
  try {
    report = await app.api.get(`/api/admin/report?since=${since}`);
  } catch (err) {
    return [h("h1", {}, "Evaluation report"), h("p", { class: "error" }, `Not available (${err.code}).`)];
  }
  return [
    h("h1", {}, "Evaluation report"),
    windowForm(app, since),
    h("p", {}, `${WINDOWS[since]} (${formatTime(report.since)} to ${formatTime(report.until)}). Counts only: no client words. Counts of 1 to 4 are shown as “< 5” so no one can be singled out.`),
    h("h2", {}, "Differences between languages"), disparities(report),
    h("h2", {}, "Rates by language"),
    h("img", { src: `/api/admin/report/chart.svg?since=${since}`, alt: "Bar chart of the rates by language; the table below has the same figures.", class: "report-chart" }),
    ratesTable(report),
    h("h2", {}, "Alerts: time to acknowledge"), ackTable(report),
    h("h2", {}, "Counts by language and kiosk"), countsTable(report),
    h("h2", {}, "Review queue"), reviewQueue(app, since),
  ];
}
