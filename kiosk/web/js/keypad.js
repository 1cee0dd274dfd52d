// The large on-screen keypad for the session code; the input also accepts a real keyboard.

const LAYOUT = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "delete"];

/** Build the keypad buttons; onChange fires after every key. */
export function buildKeypad(container, input, t, onChange = () => {}) {
  container.replaceChildren();
  for (const key of LAYOUT) {
    const button = document.createElement("button");
    button.type = "button";
    if (key === "clear" || key === "delete") {
      button.className = "key-action";
      button.textContent = t(key === "clear" ? "code.clear" : "code.delete");
      button.dataset.key = key;
    } else {
      button.textContent = key;
      button.dataset.key = key;
      button.setAttribute("aria-label", t("code.digit", { digit: key }));
    }
    button.addEventListener("click", () => {
      if (key === "clear") input.value = "";
      else if (key === "delete") input.value = input.value.slice(0, -1);
      else if (input.value.length < Number(input.maxLength || 8)) input.value += key;
      onChange(input.value);
    });
    container.append(button);
  }
}

/** Keep typed codes to digits (call once; the keypad is rebuilt on language change). */
export function digitsOnly(input) {
  input.addEventListener("input", () => {
    input.value = input.value.replace(/\D/g, "");
  });
}
