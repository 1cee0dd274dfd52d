// "Where do replies come from?" from /health: Ollama, or the built-in scripted reflector and why.

import { h } from "./dom.js";

const WHY = {
  unreachable: "Ollama unreachable",
  model_missing: "Ollama model missing",
  degraded: "Ollama not answering well",
};

/** One line for clinicians; the reason for a fallback is what an operator needs to act on. */
export function describeResponder(responder) {
  const ollama = responder?.ollama;
  if (ollama && ollama.state === "available") return `Replies: Ollama (${ollama.model})`;
  const base = "Replies: built-in scripted reflector";
  if (!ollama) return base;
  const why = WHY[ollama.state] ?? `Ollama ${ollama.state}`;
  return `${base} (${why}${ollama.state === "model_missing" ? `: ${ollama.model}` : ""})`;
}

/** A status line that fills itself from /health (no sign-in needed, no client data). */
export function responderStatus(app) {
  const line = h("p", { class: "hint responder-status", id: "responder-status", role: "status" });
  app.api.get("/health").then((health) => {
    line.textContent = describeResponder(health.responder);
    line.dataset.state = health.responder?.ollama?.state ?? "scripted";
    const ollama = health.responder?.ollama;
    if (ollama && ollama.state !== "available") line.title = `${ollama.host}: ${ollama.last_error}`;
  }).catch(() => {
    line.textContent = "Replies: status unknown (the server's /health did not answer)";
  });
  return line;
}
