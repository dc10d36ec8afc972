// Signing in and out.

import { api, loadSession } from './api.js';
import { closeStream, openStream } from './bell.js';
import { navigate } from './router.js';
import { clearToken, setMe, setToken } from './session.js';

export async function signIn(username, password, next) {
  const { access_token } = await api('POST', '/api/login', { username, password }, { noExpire: true });
  setToken(access_token);
  await loadSession();
  openStream();
  navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
}
/** Forgets the session here (the server may already have). */
export function forget() {
  clearToken();
  setMe(null);
  closeStream();
}
export async function logout() {
  try { await api('POST', '/api/logout', undefined, { noExpire: true }); } catch { /* gone anyway */ }
  forget();
  navigate('/');
}
