// Live captions of both sides, with a "this didn't feel right" button on each reply.

// Fixed prompts and crisis text are clinical content, not generated: only replies get a flag.
const FLAGGABLE = new Set(["reflection", "check_in"]);

export class Captions {
  constructor(list, partial, { t, onFlag }) {
    this.list = list;
    this.partial = partial;
    this.t = t;
    this.onFlag = onFlag;
    this.replies = new Map(); // turn -> {item, text}
  }

  clear() {
    this.list.replaceChildren();
    this.partial.textContent = "";
    this.replies.clear();
  }

  showPartial(text) {
    this.partial.textContent = text;
  }

  /** The client's final words for a turn. */
  addClient(turn, text) {
    this.partial.textContent = "";
    if (!text) return;
    const item = this.entry("you", this.t("conv.you"), text);
    item.dataset.turn = String(turn);
    this.list.append(item);
    this.scroll();
  }

  /** One reply sentence; sentences of a turn join into one caption. */
  addReplySentence(turn, text, kind) {
    let reply = this.replies.get(turn);
    if (!reply) {
      const item = this.entry("kiosk", this.t("conv.kiosk"), "");
      item.dataset.turn = String(turn);
      item.dataset.kind = kind;
      this.list.append(item);
      reply = { item, body: item.querySelector(".said") };
      this.replies.set(turn, reply);
      if (FLAGGABLE.has(kind)) this.addFlagButton(item, turn);
    }
    reply.body.textContent = reply.body.textContent ? `${reply.body.textContent} ${text}` : text;
    this.scroll();
  }

  addFlagButton(item, turn) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-secondary felt-wrong";
    button.textContent = this.t("conv.felt_wrong");
    // Many replies carry the same button: the reply itself tells them apart for screen readers.
    const said = item.querySelector(".said");
    said.id = `reply-${turn}`;
    button.setAttribute("aria-describedby", said.id);
    button.addEventListener("click", () => {
      this.onFlag(turn);
      // aria-disabled, not disabled: a disabled button drops keyboard focus to the page.
      button.setAttribute("aria-disabled", "true");
      button.textContent = this.t("conv.felt_wrong_done");
    }, { once: true });
    item.append(button);
  }

  entry(kind, who, text) {
    const item = document.createElement("li");
    item.className = kind;
    const label = document.createElement("span");
    label.className = "who";
    label.textContent = who;
    const said = document.createElement("span");
    said.className = "said";
    said.textContent = text;
    item.append(label, said);
    return item;
  }

  scroll() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}

/** The listening / thinking / speaking indicator. */
export function setIndicator(doc, t, state) {
  const indicator = doc.getElementById("indicator");
  if (indicator.dataset.state === state) return;
  indicator.dataset.state = state;
  doc.getElementById("indicator-text").textContent = t(`conv.state.${state}`);
}
