// The same catalogue the Rust side uses for its error messages.
let catalogue = {};
let lang = 'de';

export async function load(language) {
  lang = language === 'en' ? 'en' : 'de';
  const res = await fetch(`i18n/${lang}.json`);
  catalogue = await res.json();
  document.documentElement.lang = lang;
}

export function t(key, args = {}) {
  let s = catalogue[key] ?? key;
  for (const [k, v] of Object.entries(args)) s = s.replaceAll(`{${k}}`, v);
  return s;
}

export function apply(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}

export function language() {
  return lang;
}

export function formatTime(iso, withDate = true) {
  const opts = withDate
    ? { dateStyle: 'full', timeStyle: 'short' }
    : { timeStyle: 'short' };
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'de-DE', opts).format(new Date(iso));
}
