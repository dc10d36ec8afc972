// History routing over a table of routes (main.js): a route names its page module, which
// is loaded when first visited and exports `render(root, params, query, alive)`.

import { $, h, put } from './dom.js';
import { ApiErr, errText } from './api.js';
import { t } from './i18n.js';
import { isOwner, isStaff, me, setupNeeded } from './session.js';

let routes = [];
let beforeRender = () => {};
/** `table`: [pattern, module under js/pages/ without `.js`, who ('user' | 'staff' | 'owner'), fixed params]. */
export function setRoutes(table, hook) { routes = table; beforeRender = hook; }

function match(path) {
  for (const [pattern, module, need, fixed] of routes) {
    const a = pattern.split('/'), b = path.split('/');
    if (a.length !== b.length) continue;
    const params = { ...fixed };
    if (a.every((seg, i) => (seg.startsWith(':') ? ((params[seg.slice(1)] = decodeURIComponent(b[i])), true) : seg === b[i]))) return { module, need, params };
  }
  return null;
}
export function navigate(to, replace = false) {
  if (replace) history.replaceState(null, '', to); else history.pushState(null, '', to);
  render();
}
let renderSeq = 0;
let moveFocus = false; // after a link or Back, focus goes to the new page's content
export const focusNext = () => { moveFocus = true; };
export async function render() {
  const seq = ++renderSeq;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(location.search);
  if (setupNeeded && path !== '/setup') return navigate('/setup', true);
  beforeRender(path);
  const m = match(path);
  const root = $('#main');
  root.replaceChildren();
  if (!m) { put(root, h('h1', {}, t('notfound'))); return; }
  if (m.need && !me) return navigate(`/login?next=${encodeURIComponent(path + location.search)}`, true);
  if ((m.need === 'staff' && !isStaff()) || (m.need === 'owner' && !isOwner())) {
    document.title = `${t('forbidden.title')} · Barrio`;
    put(root, h('h1', {}, t('forbidden.title')), h('p', { role: 'alert' }, t('forbidden.text')));
    return;
  }
  try {
    const page = await import(`./pages/${m.module}.js`);
    if (seq !== renderSeq) return;
    await page.render(root, m.params, query, () => seq === renderSeq);
  } catch (e) {
    if (seq === renderSeq && !(e instanceof ApiErr && e.status === 401)) put(root, h('p', { class: 'form-err', role: 'alert' }, errText(e)));
  }
  const h1 = root.querySelector('h1');
  if (moveFocus) { moveFocus = false; root.focus(); }
  document.title = `${h1 ? h1.textContent : ''} · Barrio`;
}
