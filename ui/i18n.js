// The same catalogue the Rust side uses for its error messages
// (`ui/i18n/<code>.json`). Leichte Sprache (`ls`) covers the client's
// screens; for anything else it falls back to German.

// Each language by its own name; `locale` drives Intl (dates, numbers,
// plurals), `lang` is what the document says it is written in.
export const LANGUAGES = [
  { code: 'de', name: 'Deutsch', locale: 'de-DE', lang: 'de' },
  { code: 'ls', name: 'Leichte Sprache', locale: 'de-DE', lang: 'de' },
  { code: 'en', name: 'English', locale: 'en-GB', lang: 'en' },
  { code: 'uk', name: 'Українська', locale: 'uk-UA', lang: 'uk' },
  { code: 'ar', name: 'العربية', locale: 'ar', lang: 'ar', dir: 'rtl' },
  { code: 'tr', name: 'Türkçe', locale: 'tr-TR', lang: 'tr' },
  { code: 'ru', name: 'Русский', locale: 'ru-RU', lang: 'ru' },
  { code: 'fa', name: 'فارسی', locale: 'fa-IR', lang: 'fa', dir: 'rtl' },
];

let catalogue = {};
let fallback = {};
let current = LANGUAGES[0];

const byCode = (code) => LANGUAGES.find((l) => l.code === code) || LANGUAGES[0];

async function fetchCatalogue(code) {
  const res = await fetch(`i18n/${code}.json`);
  return res.json();
}

export async function load(code) {
  const next = byCode(code);
  const [cat, de] = await Promise.all([
    fetchCatalogue(next.code),
    next.code === 'de' ? null : fetchCatalogue('de'),
  ]);
  catalogue = cat;
  fallback = de || cat;
  current = next;
  document.documentElement.lang = next.lang;
  document.documentElement.dir = next.dir || 'ltr';
}

export function language() {
  return current.code;
}

export function locale() {
  return current.locale;
}

// In a right-to-left language, each filled-in value (a host, a name, a
// number) is a bidi isolate, so "127.0.0.1:8443." or "+49 30 1234" keeps
// its own order inside Arabic or Farsi text.
export function t(key, args = {}) {
  let s = catalogue[key] ?? fallback[key] ?? key;
  const isolate = current.dir === 'rtl';
  for (const [k, v] of Object.entries(args)) s = s.replaceAll(`{${k}}`, isolate ? `\u2068${v}\u2069` : v);
  return s;
}

// A message with elements in it: `{name}` placeholders become the given
// nodes (a link, a value marked with its own language), the rest text.
export function tNodes(key, nodes) {
  const text = catalogue[key] ?? fallback[key] ?? key;
  const out = [];
  let rest = text;
  for (;;) {
    const m = rest.match(/\{([a-z_]+)\}/);
    if (!m) break;
    out.push(rest.slice(0, m.index));
    out.push(nodes[m[1]] ?? m[0]);
    rest = rest.slice(m.index + m[0].length);
  }
  out.push(rest);
  return out.filter((part) => part !== '');
}

// A message with a count: the CLDR plural category of the language picks
// the form (`key.one`, `key.few`, …); `{count}` is the formatted number.
export function tp(key, count, args = {}) {
  const category = new Intl.PluralRules(current.locale).select(count);
  const form = `${key}.${category}` in catalogue || `${key}.${category}` in fallback ? category : 'other';
  return t(`${key}.${form}`, { ...args, count: new Intl.NumberFormat(current.locale).format(count) });
}

// "in 5 seconds", "in 12 minutes", "in 2 hours", in the language's words.
export function relative(seconds) {
  const rtf = new Intl.RelativeTimeFormat(current.locale, { numeric: 'auto' });
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return rtf.format(s, 'second');
  if (s < 90 * 60) return rtf.format(Math.ceil(s / 60), 'minute');
  if (s < 48 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

export function apply(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}

export function formatTime(iso, withDate = true) {
  const opts = withDate ? { dateStyle: 'full', timeStyle: 'short' } : { timeStyle: 'short' };
  return new Intl.DateTimeFormat(current.locale, opts).format(new Date(iso));
}

export function formatNumber(n, opts = {}) {
  return new Intl.NumberFormat(current.locale, opts).format(n);
}

// Organisation texts carry the language they are written in, which may
// differ from the UI's (a fallback): marked so screen readers switch voice.
export function markLanguage(el, lang) {
  if (!lang) {
    el.removeAttribute('lang');
    el.removeAttribute('dir');
    return;
  }
  el.lang = lang;
  el.dir = ['ar', 'fa', 'he', 'ur'].includes(lang.split('-')[0]) ? 'rtl' : 'ltr';
}
