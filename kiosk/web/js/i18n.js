// UI strings live in i18n/<lang>.json; this module loads them and fills data-i18n elements.

const SUPPORTED = ["en", "es"];

/** Load the string table for a language (falls back to English). */
export async function loadStrings(lang) {
  const code = SUPPORTED.includes(lang) ? lang : "en";
  const response = await fetch(new URL(`../i18n/${code}.json`, import.meta.url));
  if (!response.ok) throw new Error(`i18n load failed: ${response.status}`);
  return { lang: code, table: await response.json() };
}

/** Translator bound to one table: t("key", {name: value}). */
export function translator(strings) {
  return (key, params = {}) => {
    const template = strings.table[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
  };
}

/** Fill every [data-i18n] / [data-i18n-placeholder] / [data-i18n-label] under root. */
export function applyStrings(root, t, lang) {
  root.documentElement?.setAttribute("lang", lang);
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
  }
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
}
