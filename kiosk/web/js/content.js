// Server-provided clinical text (consent, crisis) rendered safely as text, never as HTML.

const CONSENT_SECTIONS = ["what", "recorded", "who", "kept", "help"];

/** Consent text from the server (versioned content); the built-in strings are only a fallback. */
export function renderConsent(container, text, t, question = null) {
  container.replaceChildren();
  if (text && text.trim()) {
    const blocks = text.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
    // The closing question goes beside the buttons, where it is always on screen.
    if (question && blocks.length > 1 && /[?？]$/.test(blocks[blocks.length - 1])) {
      question.textContent = blocks.pop();
    }
    for (const block of blocks) {
      const trimmed = block.trim();
      if (!trimmed) continue;
      const heading = trimmed.match(/^#+\s*(.*)$/m);
      if (heading && trimmed.startsWith("#")) {
        const h = document.createElement("h2");
        h.textContent = heading[1];
        container.append(h);
        const rest = trimmed.split("\n").slice(1).join(" ").trim();
        if (rest) container.append(paragraph(rest));
      } else {
        container.append(paragraph(trimmed.replace(/\s*\n\s*/g, " ")));
      }
    }
    return;
  }
  for (const section of CONSENT_SECTIONS) {
    const h = document.createElement("h2");
    h.textContent = t(`consent.${section}_heading`);
    container.append(h, paragraph(t(`consent.${section}`, { days: 30 })));
  }
}

function paragraph(text) {
  const p = document.createElement("p");
  p.textContent = text;
  return p;
}

/** Fill the crisis screen from the `crisis` event; without resources the built-in list stays. */
export function renderCrisis(doc, event) {
  doc.getElementById("crisis-message").textContent = event.message || "";
  if (event.grounding) doc.getElementById("crisis-grounding").textContent = event.grounding;
  const resources = Array.isArray(event.resources) ? event.resources : [];
  if (resources.length === 0) return;
  const list = doc.getElementById("crisis-resources");
  list.dataset.builtIn ??= list.innerHTML;
  list.replaceChildren();
  for (const resource of resources) {
    // protocol.md documents {name, action, contact}; the server also sends {id, text}.
    const item = doc.createElement("li");
    const strong = doc.createElement("strong");
    strong.textContent = resource.action || resource.text || resource.contact || "";
    item.append(strong);
    const detail = [resource.name, resource.action ? resource.contact : ""].filter(Boolean).join(" · ");
    if (detail) {
      const span = doc.createElement("span");
      span.textContent = detail;
      item.append(span);
    }
    list.append(item);
  }
}

/** Put the built-in resource list back for the next client. */
export function resetCrisis(doc) {
  const list = doc.getElementById("crisis-resources");
  if (list.dataset.builtIn) list.innerHTML = list.dataset.builtIn;
  doc.getElementById("crisis-message").textContent = "";
}
