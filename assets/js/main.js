// Barrio's web UI: a small single-page app over the public JSON API. No build step, no
// dependencies. This file is the route table, the navigation and the start; each page is a
// module under pages/<area>/ exporting `render(root, params, query)`, loaded on first visit.

import { $, h, link } from './dom.js';
import { api, loadSession, whenExpired } from './api.js';
import { openStream, refreshCount } from './bell.js';
import { forget, logout } from './auth.js';
import { lang, loadDict, t } from './i18n.js';
import { focusNext, navigate, render, setRoutes } from './router.js';
import { isOwner, isStaff, me, setSetupNeeded } from './session.js';

// [path pattern, page module under js/pages/, who may see it, fixed params]. A new page is one line.
const ROUTES = [
  ['/setup', 'account/setup'], ['/login', 'account/login'], ['/signup', 'account/signup'],
  ['/profile', 'account/profile', 'user'],
  ['/', 'catalog/store'], ['/products/:id', 'catalog/product'],
  ['/books', 'catalog/books', 'user'], ['/books/:id', 'catalog/book', 'user'],
  ['/staff/books/new', 'catalog/book-edit', 'staff'], ['/staff/books/:id', 'catalog/book-edit', 'staff'],
  ['/staff/genres', 'catalog/genres', 'staff'], ['/staff/inventory', 'catalog/inventory', 'staff'],
  ['/staff/products', 'catalog/products', 'staff'], ['/staff/products/:id', 'catalog/product-admin', 'staff'],
  ['/feed', 'community/feed'], ['/home', 'community/home', 'user'], ['/u/:id', 'community/user', 'user'],
  ['/posts/:id', 'community/post'], ['/notifications', 'community/notifications', 'user'],
  ['/courses', 'courses/list'], ['/courses/:id', 'courses/course'],
  ['/staff/deliveries', 'deliveries/travels', 'staff'], ['/staff/travels/:id', 'deliveries/travel', 'staff'],
  ['/deliveries', 'deliveries/mine', 'user'],
  ['/staff/clients', 'deliveries/directory', 'staff', { kind: 'clients' }], ['/staff/clients/:id', 'deliveries/directory', 'staff', { kind: 'clients' }],
  ['/staff/locations', 'deliveries/directory', 'staff', { kind: 'locations' }], ['/staff/locations/:id', 'deliveries/directory', 'staff', { kind: 'locations' }],
  ['/staff/resources', 'deliveries/directory', 'staff', { kind: 'resources' }], ['/staff/resources/:id', 'deliveries/directory', 'staff', { kind: 'resources' }],
  ['/users', 'owner/users', 'owner'], ['/owner', 'owner/backup', 'owner'],
];

function buildNav(path) {
  $('#nav').classList.remove('open');
  $('#menu-btn').setAttribute('aria-expanded', 'false');
  const items = [['/', 'nav.store'], ['/feed', 'nav.feed'], ['/courses', 'nav.courses']];
  if (me) items.push(['/home', 'nav.home'], ['/books', 'nav.books']);
  if (me && !isStaff()) items.push(['/deliveries', 'nav.mydeliveries']);
  if (isStaff()) items.push(['/staff/books/new', 'nav.staff.books'], ['/staff/genres', 'nav.staff.genres'], ['/staff/inventory', 'nav.staff.inventory'], ['/staff/products', 'nav.staff.products'], ['/staff/deliveries', 'nav.staff.deliveries']);
  if (isOwner()) items.push(['/users', 'nav.users'], ['/owner', 'nav.owner']);
  if (me) items.push(['/profile', 'nav.profile']);
  else items.push(['/login', 'nav.login'], ['/signup', 'nav.signup']);
  const nav = $('#nav');
  nav.replaceChildren(...items.map(([href, key]) => link(href, t(key), { 'aria-current': href === path ? 'page' : null })));
  if (me) nav.append(h('a', { href: '/logout', id: 'logout' }, t('nav.logout')));
  $('#bell').hidden = !me;
}
async function loadLang(l) {
  await loadDict(l);
  document.documentElement.lang = l;
  $('#lang').value = l;
  $('#lang-label').textContent = t('lang.label');
  $('.skip').textContent = t('skip');
  $('#menu-btn').setAttribute('aria-label', t('menu'));
}

setRoutes(ROUTES, buildNav);
// A signed-in request answered 401: the session ended; log in again and come back.
whenExpired(() => {
  forget();
  const back = location.pathname + location.search;
  if (location.pathname !== '/login') navigate(`/login?expired=1&next=${encodeURIComponent(back)}`, true);
});
document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  e.preventDefault();
  focusNext();
  if (url.pathname === '/logout') return logout();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => { focusNext(); render(); });
async function start() {
  await loadLang(lang);
  $('#lang').addEventListener('change', async (e) => { localStorage.setItem('lang', e.target.value); await loadLang(e.target.value); render(); refreshCount(); });
  $('#menu-btn').addEventListener('click', () => { const open = $('#nav').classList.toggle('open'); $('#menu-btn').setAttribute('aria-expanded', String(open)); });
  try { setSetupNeeded((await api('GET', '/api/setup')).needed); } catch { /* the page will say */ }
  await loadSession();
  if (location.pathname === '/logout') history.replaceState(null, '', '/');
  openStream();
  await render();
}
start();
