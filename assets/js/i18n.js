// The interface's text: `assets/i18n/es.js` and `en.js` (same keys; es-AR is the default).

const LANGS = ['es', 'en'];
/** The language the person reads: remembered choice, else the browser's, else Spanish. */
export let lang = localStorage.getItem('lang') || ((navigator.language || 'es').toLowerCase().startsWith('es') ? 'es' : 'en');
if (!LANGS.includes(lang)) lang = 'es';
export let dict = {};
let fallbackDict = {};

/** The text for `key` with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  let s = dict[key] ?? fallbackDict[key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, v);
  return s;
}
export async function loadDict(l) {
  lang = l;
  dict = (await import(`/i18n/${l}.js`)).default;
  if (!Object.keys(fallbackDict).length) fallbackDict = (await import('/i18n/en.js')).default;
}
