// The fetch wrapper over the JSON API, and error codes turned into the person's language.

import { dict, lang, t } from './i18n.js';
import { clearToken, setMe, token } from './session.js';

export class ApiErr extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status; this.code = e.code || (status ? 'generic' : 'network'); this.field = e.field;
  }
}

let onExpired = () => {};
/** What to do when a signed-in request answers 401 (main.js sends the person to log in). */
export const whenExpired = (fn) => { onExpired = fn; };

export async function api(method, path, body, { raw = false, noExpire = false } = {}) {
  const opt = { method, headers: {} };
  if (token()) opt.headers.Authorization = `Bearer ${token()}`;
  if (body instanceof Blob) { opt.body = body; opt.headers['Content-Type'] = body.type || 'application/octet-stream'; }
  else if (body !== undefined) { opt.body = JSON.stringify(body); opt.headers['Content-Type'] = 'application/json'; }
  let res;
  try { res = await fetch(path, opt); } catch { throw new ApiErr(0, null); }
  if (res.status === 401 && token() && !noExpire) { onExpired(); throw new ApiErr(401, null); }
  if (!res.ok) { let b = null; try { b = await res.json(); } catch { /* not JSON */ } throw new ApiErr(res.status, b); }
  if (raw) return res;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}
/** Every item of a list endpoint, up to the API's page limit (200). */
export async function all(path) { return (await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=200`)).items; }

export function errText(e) {
  if (!(e instanceof ApiErr)) return t('err.generic');
  if (e.code === 'network') return t('err.network');
  const specific = dict[`err.${e.code}.${e.field}`];
  if (specific) return specific;
  if (lang === 'en' && e.message && e.status) return e.message;
  const generic = dict[`err.${e.code}`];
  if (generic && e.code === 'invalid' && e.message) return `${generic} (${e.message})`;
  return generic || e.message || t('err.generic');
}

export async function loadSession() {
  setMe(null);
  if (!token()) return;
  try { setMe((await api('GET', '/api/session', undefined, { noExpire: true })).user); }
  catch { clearToken(); }
}
