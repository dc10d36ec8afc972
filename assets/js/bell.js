// The notifications bell: the unread count, kept live by the server's event stream.

import { $ } from './dom.js';
import { announce } from './dom.js';
import { api } from './api.js';
import { dict, t } from './i18n.js';
import { isStaff, me, token } from './session.js';
import { render } from './router.js';

let stream = null;
export async function refreshCount() {
  if (!me) return;
  try {
    const { unread } = await api('GET', '/api/notifications/unread-count');
    $('#bell-count').textContent = unread;
    $('#bell').setAttribute('aria-label', t('bell.label', { n: unread }));
    $('#bell').dataset.unread = unread;
  } catch { /* shown on next try */ }
}
export function closeStream() { if (stream) { stream.close(); stream = null; } }
export function openStream() {
  closeStream();
  if (!me) return;
  refreshCount();
  stream = new EventSource(`/api/notifications/stream?access_token=${encodeURIComponent(token())}`);
  stream.addEventListener('notification', (ev) => {
    refreshCount();
    try { announce(notifText(JSON.parse(ev.data).text)); } catch { /* not JSON */ }
    if (location.pathname === '/notifications') render();
  });
}
/** The server's notification text, said in the person's language when a pattern knows it. */
export function notifText(text) {
  for (const [re, out] of dict['notif.patterns'] || []) if (re.test(text)) return text.replace(re, out);
  return text;
}
/** Notification links name API resources; map them to UI pages. */
export function uiLink(l) {
  const m = /^\/(?:api\/)?(posts|products|books|users)\/(\d+)/.exec(l || '');
  if (!m) return '/notifications';
  return { posts: `/posts/${m[2]}`, products: isStaff() ? `/staff/products/${m[2]}` : `/products/${m[2]}`, books: `/books/${m[2]}`, users: `/u/${m[2]}` }[m[1]];
}
