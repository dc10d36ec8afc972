// Barrio's web UI: a small single-page app over the public JSON API. No build step, no
// dependencies. History routing (the server answers index.html for paths without a dot).

const LANGS = ['es', 'en'];
let lang = localStorage.getItem('lang') || ((navigator.language || 'es').toLowerCase().startsWith('es') ? 'es' : 'en');
if (!LANGS.includes(lang)) lang = 'es';
let dict = {};
let fallbackDict = {};
let me = null; // the signed-in user (UserView), or null
let setupNeeded = false;
let stream = null;

const $ = (sel, root = document) => root.querySelector(sel);
const main = () => $('#main');

// ---------- text ----------
function t(key, vars = {}) {
  let s = dict[key] ?? fallbackDict[key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, v);
  return s;
}
async function loadLang(l) {
  lang = l;
  dict = (await import(`/i18n/${l}.js`)).default;
  if (!Object.keys(fallbackDict).length) fallbackDict = (await import('/i18n/en.js')).default;
  document.documentElement.lang = l;
  $('#lang').value = l;
  $('#lang-label').textContent = t('lang.label');
  $('.skip').textContent = t('skip');
  $('#menu-btn').setAttribute('aria-label', t('menu'));
}
function money(cents, currency = 'ARS') {
  try { return new Intl.NumberFormat(lang, { style: 'currency', currency }).format(cents / 100); }
  catch { return `${(cents / 100).toFixed(2)} ${currency}`; }
}
function when(iso) {
  try { return new Date(iso).toLocaleString(lang); } catch { return iso; }
}
const fold = (s) => (s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

// ---------- DOM ----------
function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of kids.flat(Infinity)) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const link = (href, text, attrs = {}) => h('a', { href, ...attrs }, text);
/** Appends, skipping null and false (DOM append would print them). */
const put = (el, ...kids) => el.append(...kids.flat(Infinity).filter((k) => k != null && k !== false));
function announce(msg) { const l = $('#live'); l.textContent = ''; setTimeout(() => (l.textContent = msg), 50); }

// ---------- API ----------
class ApiErr extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status; this.code = e.code || (status ? 'generic' : 'network'); this.field = e.field;
  }
}
const token = () => localStorage.getItem('token');
async function api(method, path, body, { raw = false, noExpire = false } = {}) {
  const opt = { method, headers: {} };
  if (token()) opt.headers.Authorization = `Bearer ${token()}`;
  if (body instanceof Blob) { opt.body = body; opt.headers['Content-Type'] = body.type || 'application/octet-stream'; }
  else if (body !== undefined) { opt.body = JSON.stringify(body); opt.headers['Content-Type'] = 'application/json'; }
  let res;
  try { res = await fetch(path, opt); } catch { throw new ApiErr(0, null); }
  if (res.status === 401 && token() && !noExpire) { expire(); throw new ApiErr(401, null); }
  if (!res.ok) { let b = null; try { b = await res.json(); } catch { /* not JSON */ } throw new ApiErr(res.status, b); }
  if (raw) return res;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}
function errText(e) {
  if (!(e instanceof ApiErr)) return t('err.generic');
  if (e.code === 'network') return t('err.network');
  const specific = dict[`err.${e.code}.${e.field}`];
  if (specific) return specific;
  if (lang === 'en' && e.message && e.status) return e.message;
  const generic = dict[`err.${e.code}`];
  if (generic && e.code === 'invalid' && e.message) return `${generic} (${e.message})`;
  return generic || e.message || t('err.generic');
}
function expire() {
  localStorage.removeItem('token');
  me = null;
  closeStream();
  const back = location.pathname + location.search;
  if (location.pathname !== '/login') navigate(`/login?expired=1&next=${encodeURIComponent(back)}`, true);
}
async function loadSession() {
  me = null;
  if (!token()) return;
  try { me = (await api('GET', '/api/session', undefined, { noExpire: true })).user; }
  catch { localStorage.removeItem('token'); }
}
const isStaff = () => me && (me.role === 'admin' || me.role === 'super_admin');
const isOwner = () => me && me.role === 'super_admin';

// ---------- forms ----------
let uid = 0;
function field(name, labelKey, o = {}) {
  const id = `f-${name}-${++uid}`;
  const errId = `${id}-err`;
  const common = { id, name, 'aria-describedby': errId, required: o.required, 'aria-required': o.required ? 'true' : null };
  let input;
  if (o.options) {
    input = h('select', { ...common, multiple: o.multiple },
      o.options.map(([v, l]) => h('option', { value: v, selected: Array.isArray(o.value) ? o.value.map(String).includes(String(v)) : String(o.value ?? '') === String(v) }, l)));
  } else if (o.textarea) {
    input = h('textarea', { ...common, rows: 3, maxlength: o.maxlength }); input.value = o.value ?? '';
  } else if (o.type === 'checkbox') {
    input = h('input', { ...common, type: 'checkbox', checked: !!o.value });
    return h('div', { class: 'field check' }, input, h('label', { for: id }, t(labelKey)), h('p', { class: 'err', id: errId, hidden: true }));
  } else {
    input = h('input', { ...common, type: o.type || 'text', value: o.value ?? null, autocomplete: o.autocomplete, accept: o.accept, step: o.step, min: o.min, inputmode: o.inputmode, maxlength: o.maxlength });
  }
  return h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), input, h('p', { class: 'err', id: errId, hidden: true }));
}
function clearErrors(form) {
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  form.querySelectorAll('.err').forEach((el) => { el.hidden = true; el.textContent = ''; });
  form.querySelectorAll('.form-err').forEach((el) => el.remove());
}
function showError(form, e, aliases = {}) {
  const name = aliases[e.field] || e.field;
  const input = name && form.querySelector(`[name="${CSS.escape(name)}"]`);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    const p = form.querySelector(`#${CSS.escape(input.id)}-err`);
    p.textContent = errText(e); p.hidden = false;
    input.focus();
  } else {
    form.prepend(h('p', { class: 'form-err', role: 'alert' }, errText(e)));
  }
}
/** A form whose submit runs `onSubmit(values, form)`; API errors land next to their field. */
function form(fields, submitKey, onSubmit, { aliases = {}, extra = [] } = {}) {
  const f = h('form', { class: 'f', novalidate: true }, fields, h('div', { class: 'row' }, h('button', { type: 'submit' }, t(submitKey)), extra));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    const btn = f.querySelector('button[type=submit]');
    btn.disabled = true;
    try { await onSubmit(values(f), f); }
    catch (e) { showError(f, e, aliases); }
    finally { btn.disabled = false; }
  });
  return f;
}
function values(f) {
  const out = {};
  for (const el of f.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'file') out[el.name] = el.files[0] || null;
    else if (el.multiple) out[el.name] = [...el.selectedOptions].map((o) => o.value);
    else out[el.name] = el.value.trim();
  }
  return out;
}
const opt = (s) => (s === '' ? null : s);
const num = (s) => (s === '' || s == null ? null : Number(s));
function fileBase64(file) {
  return new Promise((ok, fail) => {
    const r = new FileReader();
    r.onload = () => ok(String(r.result).split(',')[1] || '');
    r.onerror = fail;
    r.readAsDataURL(file);
  });
}
function confirmBtn(labelKey, questionKey, action) {
  return h('button', { type: 'button', class: 'danger', onclick: async (ev) => {
    if (!confirm(t(questionKey))) return;
    try { await action(); } catch (e) { ev.target.after(h('span', { class: 'form-err', role: 'alert' }, ' ', errText(e))); }
  } }, t(labelKey));
}

/** A one-line form (label for screen readers only), e.g. inside a table cell. */
function inlineForm(f) {
  f.classList.add('inline');
  f.querySelectorAll('.field:not(.check) label').forEach((l) => l.classList.add('sr'));
  return f;
}
/** A table that, on a phone, shows each row as a card with the column names beside the cells. */
function table(heads, rows, attrs = {}) {
  const label = (tr) => {
    [...tr.children].forEach((td, i) => {
      if (heads[i]) td.dataset.label = heads[i];
      if (td.childNodes.length > 1) td.replaceChildren(h('div', {}, [...td.childNodes]));
    });
    return tr;
  };
  return h('div', { class: 'tablewrap' }, h('table', { ...attrs, class: 'stack' }, h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => label(r instanceof Node ? r : h('tr', {}, r.map((c) => h('td', {}, c))))))));
}
/** Every item of a list endpoint, up to the API's page limit (200). */
async function all(path) { return (await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=200`)).items; }
/** Said next to `field` like an API error, before asking the API anything. */
function need(v, ...names) {
  for (const n of names) if (v[n] === '' || v[n] == null) throw new ApiErr(400, { error: { code: 'required', field: n } });
}
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso), p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
const userOptions = (users) => [['', '—'], ...users.map((u) => [u.id, u.username])];

// ---------- routing ----------
const routes = [
  ['/setup', pageSetup], ['/login', pageLogin], ['/signup', pageSignup],
  ['/', pageStore], ['/products/:id', pageProduct],
  ['/books', pageBooks, 'user'], ['/books/:id', pageBook, 'user'],
  ['/feed', pageFeed], ['/home', pageHome, 'user'], ['/u/:id', pageUser, 'user'],
  ['/profile', pageProfile, 'user'], ['/notifications', pageNotifs, 'user'],
  ['/staff/books/new', pageBookEdit, 'staff'], ['/staff/books/:id', pageBookEdit, 'staff'],
  ['/staff/genres', pageGenres, 'staff'], ['/staff/inventory', pageInventory, 'staff'],
  ['/staff/products', pageProducts, 'staff'], ['/staff/products/:id', pageProductAdmin, 'staff'],
  ['/users', pageUsers, 'owner'], ['/owner', pageOwner, 'owner'],
  ['/courses', pageCourses], ['/courses/:id', pageCourse], ['/staff/deliveries', pageDeliveries, 'staff'], ['/deliveries', pageMyDeliveries, 'user'], ['/staff/travels/:id', pageTravel, 'staff'],
  ['/staff/clients', deliveryList('clients'), 'staff'], ['/staff/clients/:id', deliveryEdit('clients'), 'staff'],
  ['/staff/locations', deliveryList('locations'), 'staff'], ['/staff/locations/:id', deliveryEdit('locations'), 'staff'],
  ['/staff/resources', deliveryList('resources'), 'staff'], ['/staff/resources/:id', deliveryEdit('resources'), 'staff'],
  ['/posts/:id', pagePost],
];
function match(path) {
  for (const [pattern, page, need] of routes) {
    const a = pattern.split('/'), b = path.split('/');
    if (a.length !== b.length) continue;
    const params = {};
    if (a.every((seg, i) => (seg.startsWith(':') ? ((params[seg.slice(1)] = decodeURIComponent(b[i])), true) : seg === b[i]))) return { page, need, params };
  }
  return null;
}
function navigate(to, replace = false) {
  if (replace) history.replaceState(null, '', to); else history.pushState(null, '', to);
  render();
}
let renderSeq = 0;
let moveFocus = false; // after a link or Back, focus goes to the new page's content
async function render() {
  const seq = ++renderSeq;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(location.search);
  if (setupNeeded && path !== '/setup') return navigate('/setup', true);
  buildNav(path);
  const m = match(path);
  const root = main();
  root.replaceChildren();
  $('#nav').classList.remove('open');
  $('#menu-btn').setAttribute('aria-expanded', 'false');
  if (!m) { put(root, h('h1', {}, t('notfound'))); return; }
  if (m.need && !me) return navigate(`/login?next=${encodeURIComponent(path + location.search)}`, true);
  if ((m.need === 'staff' && !isStaff()) || (m.need === 'owner' && !isOwner())) {
    document.title = `${t('forbidden.title')} · Barrio`;
    put(root, h('h1', {}, t('forbidden.title')), h('p', { role: 'alert' }, t('forbidden.text')));
    return;
  }
  try {
    await m.page(root, m.params, query, () => seq === renderSeq);
  } catch (e) {
    if (seq === renderSeq && !(e instanceof ApiErr && e.status === 401)) put(root, h('p', { class: 'form-err', role: 'alert' }, errText(e)));
  }
  const h1 = root.querySelector('h1');
  if (moveFocus) { moveFocus = false; root.focus(); }
  document.title = `${h1 ? h1.textContent : ''} · Barrio`;
}
function buildNav(path) {
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
  const bell = $('#bell');
  bell.hidden = !me;
}

// ---------- notifications bell ----------
async function refreshCount() {
  if (!me) return;
  try {
    const { unread } = await api('GET', '/api/notifications/unread-count');
    $('#bell-count').textContent = unread;
    $('#bell').setAttribute('aria-label', t('bell.label', { n: unread }));
    $('#bell').dataset.unread = unread;
  } catch { /* shown on next try */ }
}
function closeStream() { if (stream) { stream.close(); stream = null; } }
function openStream() {
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

// ---------- search-as-you-type ----------
/** A combobox over `/api/search`; `fallback(q)` answers while search is not on the server. */
function searchBox(kind, labelKey, fallback) {
  const id = `search-${kind}`;
  const input = h('input', { id, type: 'search', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': `${id}-list`, autocomplete: 'off' });
  const list = h('ul', { id: `${id}-list`, role: 'listbox', hidden: true, 'aria-label': t(labelKey) });
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  let hits = [], active = -1, timer = null, seq = 0;
  const target = (hit) => (String(hit.kind).startsWith('product') ? `/products/${hit.id}` : String(hit.kind).startsWith('post') ? `/posts/${hit.id}` : `/books/${hit.id}`);
  const close = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); input.removeAttribute('aria-activedescendant'); active = -1; };
  const paint = () => {
    list.replaceChildren(...hits.map((hit, i) => h('li', { id: `${id}-opt-${i}`, role: 'option', 'aria-selected': i === active ? 'true' : 'false', onmousedown: (e) => { e.preventDefault(); navigate(target(hit)); } },
      hit.title, hit.snippet ? h('small', {}, String(hit.snippet).replace(/<[^>]*>/g, '')) : null)));
    list.hidden = hits.length === 0;
    input.setAttribute('aria-expanded', hits.length ? 'true' : 'false');
    if (active >= 0) input.setAttribute('aria-activedescendant', `${id}-opt-${active}`); else input.removeAttribute('aria-activedescendant');
  };
  const run = async () => {
    const q = input.value.trim();
    const my = ++seq;
    if (!q) { hits = []; close(); status.textContent = ''; return; }
    let found;
    try {
      const res = await api('GET', `/api/search?q=${encodeURIComponent(q)}&kind=${kind}&limit=8`);
      found = res.hits || [];
      // While the index is still being built, the plain list answers instead.
      if (!found.length && res.ready === false && fallback) found = await fallback(q).catch(() => []);
    } catch (e) {
      found = e.status && fallback ? await fallback(q).catch(() => []) : [];
    }
    if (my !== seq) return;
    hits = found; active = hits.length ? 0 : -1;
    status.textContent = hits.length ? '' : t('search.none');
    paint();
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 150); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && hits.length) { e.preventDefault(); active = (active + 1) % hits.length; paint(); }
    else if (e.key === 'ArrowUp' && hits.length) { e.preventDefault(); active = (active - 1 + hits.length) % hits.length; paint(); }
    else if (e.key === 'Enter') { e.preventDefault(); if (hits[active]) navigate(target(hits[active])); }
    // Escape closes an open list and keeps the text (a search field would clear it); a
    // second Escape clears it as usual.
    else if (e.key === 'Escape' && !list.hidden) { e.preventDefault(); close(); }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  return h('div', { class: 'search' }, h('label', { for: id }, t(labelKey)), input, list, status);
}
async function fallbackBooks(q) {
  const f = fold(q);
  const { items } = await api('GET', '/api/books?limit=200');
  return items.filter((b) => fold(`${b.title} ${b.authors.join(' ')}`).includes(f)).slice(0, 8).map((b) => ({ kind: 'book', id: b.id, title: b.title, snippet: b.authors.join(', ') }));
}
async function fallbackProducts(q) {
  const f = fold(q);
  const { items } = await api('GET', '/api/products?limit=200');
  return items.filter((p) => fold(`${p.name} ${p.description || ''}`).includes(f)).slice(0, 8).map((p) => ({ kind: 'product', id: p.id, title: p.name, snippet: money(p.price_cents, p.currency) }));
}

// ---------- pages: accounts ----------
async function pageSetup(root) {
  const { needed } = await api('GET', '/api/setup');
  setupNeeded = needed;
  if (!needed) return navigate('/', true);
  put(root, h('h1', {}, t('setup.title')), h('p', {}, t('setup.intro')),
    form([field('username', 'f.username', { required: true, autocomplete: 'username' }), field('password', 'f.password', { type: 'password', required: true, autocomplete: 'new-password' }),
      field('email', 'f.email', { type: 'email' }), field('display_name', 'f.display_name')], 'setup.submit', async (v) => {
      await api('POST', '/api/setup', { username: v.username, password: v.password, email: opt(v.email), display_name: opt(v.display_name) });
      setupNeeded = false;
      await signIn(v.username, v.password, '/users');
    }));
}
async function signIn(username, password, next) {
  const { access_token } = await api('POST', '/api/login', { username, password }, { noExpire: true });
  localStorage.setItem('token', access_token);
  await loadSession();
  openStream();
  navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
}
async function pageLogin(root, _p, q) {
  put(root, h('h1', {}, t('login.title')));
  if (q.get('expired')) put(root, h('p', { role: 'status' }, t('login.expired')));
  put(root, form([field('username', 'f.username', { required: true, autocomplete: 'username' }), field('password', 'f.password', { type: 'password', required: true, autocomplete: 'current-password' })],
    'login.submit', (v) => signIn(v.username, v.password, q.get('next') || '/')),
  h('p', {}, link('/signup', t('nav.signup'))));
}
async function pageSignup(root, _p, q) {
  put(root, h('h1', {}, t('signup.title')),
    form([field('username', 'f.username', { required: true, autocomplete: 'username' }), field('password', 'f.password', { type: 'password', required: true, autocomplete: 'new-password' }),
      field('email', 'f.email', { type: 'email' }), field('display_name', 'f.display_name')], 'signup.submit', async (v) => {
      await api('POST', '/api/users', { username: v.username, password: v.password, email: opt(v.email), display_name: opt(v.display_name) });
      await signIn(v.username, v.password, q.get('next') || '/home');
    }),
    h('p', {}, t('signup.have'), ' ', link('/login', t('nav.login'))));
}
async function logout() {
  try { await api('POST', '/api/logout', undefined, { noExpire: true }); } catch { /* gone anyway */ }
  localStorage.removeItem('token');
  me = null;
  closeStream();
  navigate('/');
}
async function pageProfile(root) {
  const u = await api('GET', `/api/users/${me.id}`);
  put(root, h('h1', {}, t('profile.title')), h('p', {}, h('strong', {}, u.username), ' · ', t('profile.role', { role: t(`role.${u.role}`) })));
  // Staff accounts cannot edit themselves (DESIGN.md): only their password.
  if (me.role !== 'admin') {
    put(root, form([field('email', 'f.email', { type: 'email', value: u.email }), field('display_name', 'f.display_name', { value: u.display_name })], 'profile.save', async (v, f) => {
      await api('PATCH', `/api/users/${me.id}`, { email: opt(v.email), display_name: opt(v.display_name) });
      f.append(h('p', { role: 'status' }, t('profile.saved')));
    }));
  }
  // Which notifications also come by e-mail: one switch per kind the server knows.
  if (me.role !== 'admin') {
    const order = ['welcome', 'new_follower', 'post_liked', 'price_changed', 'enrolled', 'waitlist_promoted', 'course_rescheduled', 'course_cancelled', 'delivery_on_the_way', 'delivery_delivered', 'travel_cancelled'];
    const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
    const kinds = Object.keys(u.email_notifications || {}).sort((a, b) => rank(a) - rank(b));
    put(root, h('h2', {}, t('prefs.title')), form([h('fieldset', { class: 'prefs' }, h('legend', {}, t('prefs.legend')),
      kinds.map((k) => field(`notify_${k}`, `notifkind.${k}`, { type: 'checkbox', value: u.email_notifications[k] })))], 'prefs.save', async (v, f) => {
      const body = Object.fromEntries(kinds.map((k) => [k, v[`notify_${k}`]]));
      await api('PATCH', `/api/users/${me.id}`, { email_notifications: body });
      f.append(h('p', { role: 'status' }, t('profile.saved')));
    }, { aliases: { email_notifications: `notify_${kinds[0]}` } }));
  }
  put(root, h('p', {}, link(`/u/${me.id}`, t('profile.public'))), h('h2', {}, t('profile.password')),
    form([field('current_password', 'f.current_password', { type: 'password', required: true, autocomplete: 'current-password' }), field('new_password', 'f.new_password', { type: 'password', required: true, autocomplete: 'new-password' })],
      'profile.password.submit', async (v) => {
        await api('PUT', `/api/users/${me.id}/password`, v, { noExpire: true });
        localStorage.removeItem('token'); me = null; closeStream();
        navigate('/login?expired=1&next=/profile', true);
      }));
  if (me.role === 'user') {
    put(root, h('p', {}, confirmBtn('profile.delete', 'users.confirm', async () => {
      await api('DELETE', `/api/users/${me.id}`);
      localStorage.removeItem('token'); me = null; closeStream(); navigate('/');
    })));
  }
}

// ---------- pages: store and catalog ----------
async function pageStore(root) {
  put(root, h('h1', {}, t('store.title')), searchBox('products', 'store.search', fallbackProducts));
  const { items } = await api('GET', '/api/products?limit=60');
  put(root, items.length ? h('div', { class: 'grid' }, items.map((p) => h('article', { class: 'card' },
    h('h2', { class: 'h3' }, link(`/products/${p.id}`, p.name)), h('p', {}, h('strong', {}, money(p.price_cents, p.currency))), p.description ? h('p', { class: 'muted' }, p.description) : null)))
    : h('p', {}, t('store.empty')));
}
async function pageProduct(root, { id }) {
  const p = await api('GET', `/api/products/${id}`);
  put(root, h('h1', {}, p.name), h('p', {}, h('strong', {}, money(p.price_cents, p.currency))), p.description ? h('p', {}, p.description) : null,
    isStaff() ? h('p', {}, link(`/staff/products/${p.id}`, t('edit'))) : null);
}
async function genreOptions() {
  const { items } = await api('GET', '/api/genres?limit=200');
  return items;
}
/** The filters and sorts the books list API takes (src/catalog/routes.rs `BookQuery`). */
const BOOK_FILTERS = ['genre', 'author', 'year_from', 'year_to', 'language', 'in_stock', 'sort'];
async function pageBooks(root, _p, q) {
  const genres = await genreOptions();
  const cursor = q.get('cursor') || '';
  const params = new URLSearchParams();
  for (const k of BOOK_FILTERS) if (q.get(k)) params.set(k, q.get(k));
  const filters = h('form', { class: 'toolbar', role: 'search', 'aria-label': t('books.filters') },
    field('genre', 'f.genre', { options: [['', t('f.all')], ...genres.map((g) => [g.id, g.name])], value: q.get('genre') }),
    field('author', 'f.author', { value: q.get('author') }),
    field('year_from', 'f.year_from', { type: 'number', inputmode: 'numeric', value: q.get('year_from') }),
    field('year_to', 'f.year_to', { type: 'number', inputmode: 'numeric', value: q.get('year_to') }),
    field('language', 'f.language_code', { value: q.get('language'), maxlength: 8 }),
    field('in_stock', 'f.in_stock', { options: [['', t('f.all')], ['true', t('books.in_stock.yes')], ['false', t('books.in_stock.no')]], value: q.get('in_stock') }),
    field('sort', 'f.sort', { options: ['title', 'year', 'newest'].map((s) => [s, t(`books.sort.${s}`)]), value: q.get('sort') || 'title' }),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, t('books.apply')), params.toString() ? link('/books', t('books.clear')) : null));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(values(filters))) if (v && !(k === 'sort' && v === 'title')) next.set(k, v);
    navigate(`/books${next.toString() ? `?${next}` : ''}`);
  });
  filters.querySelector('[name=genre]').addEventListener('change', () => filters.requestSubmit());
  put(root, h('h1', {}, t('books.title')), searchBox('books', 'books.search', fallbackBooks), filters);
  const query = new URLSearchParams(params);
  query.set('limit', '20');
  if (cursor) query.set('cursor', cursor);
  let page;
  try { page = await api('GET', `/api/books?${query}`); }
  catch (e) { showError(filters, e); return; }
  const names = Object.fromEntries(genres.map((g) => [g.id, g.name]));
  put(root, page.items.length ? h('div', { class: 'grid', id: 'books' }, page.items.map((b) => h('article', { class: 'card', 'data-book': b.id },
    h('h2', { class: 'h3' }, link(`/books/${b.id}`, b.title)), h('p', { class: 'muted' }, t('books.by', { a: b.authors.join(', ') }), b.year ? ` · ${b.year}` : '', b.language ? ` · ${b.language}` : ''),
    h('p', {}, b.genre_ids.map((g) => names[g]).filter(Boolean).join(', ')), h('p', {}, t('books.stock', { n: b.stock })))))
    : h('p', {}, t('books.empty')));
  const nav = h('p', { class: 'row' });
  if (cursor) nav.append(link(`/books${params.toString() ? `?${params}` : ''}`, t('books.first')));
  if (page.next_cursor) { const more = new URLSearchParams(params); more.set('cursor', page.next_cursor); nav.append(link(`/books?${more}`, t('books.more'))); }
  put(root, nav);
}
async function coverImg(bookId, alt) {
  const res = await api('GET', `/api/books/${bookId}/cover`, undefined, { raw: true });
  return h('img', { class: 'cover', src: URL.createObjectURL(await res.blob()), alt });
}
async function pageBook(root, { id }) {
  const [b, genres, inv] = await Promise.all([api('GET', `/api/books/${id}`), genreOptions(), api('GET', `/api/inventory?book_id=${id}&limit=200`)]);
  const names = Object.fromEntries(genres.map((g) => [g.id, g.name]));
  put(root, h('h1', {}, b.title));
  if (b.cover) { try { put(root, await coverImg(b.id, b.title)); } catch { /* no cover */ } }
  put(root, h('p', {}, t('books.by', { a: b.authors.join(', ') })), h('p', { class: 'muted' }, `ISBN ${b.isbn}`, b.year ? ` · ${b.year}` : '', b.language ? ` · ${b.language}` : ''),
    h('p', {}, b.genre_ids.map((g) => names[g]).filter(Boolean).join(', ')), b.description ? h('p', {}, b.description) : null,
    h('h2', {}, t('books.inventory')),
    inv.items.length ? table(['f.condition', 'f.shelf', 'f.quantity', 'f.rentable'].map((k) => t(k)), inv.items.map((i) => [t(`cond.${i.condition}`), i.shelf || '—', i.quantity, i.rentable ? t('yes') : t('no')]))
      : h('p', {}, t('books.noinv')),
    isStaff() ? h('p', {}, link(`/staff/books/${b.id}`, t('books.edit'))) : null);
}

// ---------- pages: staff ----------
async function pageBookEdit(root, { id }) {
  const genres = await genreOptions();
  const b = id ? await api('GET', `/api/books/${id}`) : {};
  put(root, h('h1', {}, t(id ? 'books.edit' : 'books.new')));
  put(root, form([
    field('title', 'f.title', { required: true, value: b.title }), field('authors', 'f.authors', { required: true, value: (b.authors || []).join(', ') }),
    field('isbn', 'f.isbn', { required: true, value: b.isbn }), field('description', 'f.description', { textarea: true, value: b.description }),
    field('year', 'f.year', { type: 'number', value: b.year, inputmode: 'numeric' }), field('language', 'f.language', { value: b.language }),
    field('genre_ids', 'f.genre_ids', { options: genres.map((g) => [g.id, g.name]), multiple: true, value: b.genre_ids || [] }),
    field('cover', 'f.cover', { type: 'file', accept: 'image/png,image/jpeg,image/webp' }),
  ], 'books.save', async (v) => {
    const body = { title: v.title, authors: v.authors.split(',').map((s) => s.trim()).filter(Boolean), isbn: v.isbn, description: opt(v.description), year: num(v.year), language: opt(v.language), genre_ids: v.genre_ids.map(Number) };
    const saved = id ? await api('PATCH', `/api/books/${id}`, body) : await api('POST', '/api/books', body);
    if (!id) history.replaceState(null, '', `/staff/books/${saved.id}`);
    if (v.cover) {
      try { await api('PUT', `/api/books/${saved.id}/cover`, v.cover); }
      catch (e) { if (!e.field) e.field = 'cover'; throw e; }
    }
    navigate(`/books/${saved.id}`);
  }, { extra: id ? [confirmBtn('books.delete', 'books.confirm', async () => { await api('DELETE', `/api/books/${id}`); navigate('/books'); })] : [] }));
}
async function pageGenres(root) {
  const genres = await genreOptions();
  put(root, h('h1', {}, t('genres.title')),
    h('ul', {}, genres.map((g) => {
      const f = form([field('name', 'f.name', { value: g.name, required: true })], 'save', async (v) => { await api('PATCH', `/api/genres/${g.id}`, { name: v.name }); render(); },
        { extra: [confirmBtn('delete', 'books.confirm', async () => { await api('DELETE', `/api/genres/${g.id}`); render(); })] });
      inlineForm(f);
      return h('li', { 'data-genre': g.name }, f);
    })),
    h('h2', {}, t('genres.add')),
    form([field('name', 'f.name', { required: true }), field('description', 'f.description')], 'genres.add', async (v) => {
      await api('POST', '/api/genres', { name: v.name, description: opt(v.description) });
      render();
    }));
}
async function pageInventory(root) {
  const [inv, books] = await Promise.all([api('GET', '/api/inventory?limit=200'), api('GET', '/api/books?limit=200')]);
  const titles = Object.fromEntries(books.items.map((b) => [b.id, b.title]));
  put(root, h('h1', {}, t('inventory.title')), inv.items.length === 0 ? h('p', {}, t('books.noinv')) :
    table(['f.kind', 'f.title', 'f.condition', 'f.shelf', 'f.quantity', 'f.rentable', ''].map((k) => (k ? t(k) : '')), inv.items.map((i) => [t(`kind.${i.kind}`),
      [i.book_id ? link(`/books/${i.book_id}`, titles[i.book_id] || `#${i.book_id}`) : (i.title || '—'), i.format ? ` (${i.format})` : ''], t(`cond.${i.condition}`), i.shelf || '—',
      inlineForm(form([field('quantity', 'f.quantity', { type: 'number', min: 0, value: i.quantity })], 'save', async (v) => { await api('PATCH', `/api/inventory/${i.id}`, { quantity: num(v.quantity) }); render(); })),
      i.rentable ? t('yes') : t('no'), confirmBtn('delete', 'books.confirm', async () => { await api('DELETE', `/api/inventory/${i.id}`); render(); })])),
    h('h2', {}, t('inventory.add')),
    form([
      field('kind', 'f.kind', { options: ['book', 'film', 'other'].map((k) => [k, t(`kind.${k}`)]) }),
      field('book_id', 'f.book_id', { options: [['', '—'], ...books.items.map((b) => [b.id, b.title])] }),
      field('title', 'f.title'), field('director', 'f.director'),
      field('format', 'f.format', { options: [['', '—'], ['DVD', 'DVD'], ['Blu-ray', 'Blu-ray'], ['VHS', 'VHS']] }),
      field('condition', 'f.condition', { options: ['new', 'like_new', 'good', 'fair', 'poor'].map((c) => [c, t(`cond.${c}`)]), value: 'good' }),
      field('shelf', 'f.shelf'), field('quantity', 'f.quantity', { type: 'number', value: 1, min: 0 }), field('rentable', 'f.rentable', { type: 'checkbox' }),
    ], 'inventory.add', async (v) => {
      await api('POST', '/api/inventory', { kind: v.kind, book_id: num(v.book_id), title: opt(v.title), director: opt(v.director), format: opt(v.format), condition: v.condition, shelf: opt(v.shelf), quantity: num(v.quantity), rentable: v.rentable });
      render();
    }));
}
const cents = (s) => (s === '' ? null : Math.round(Number(String(s).replace(',', '.')) * 100));
/** Inventory lines as choices for a product's link: "title · shelf (#id)". */
async function inventoryChoices() {
  const [inv, books] = await Promise.all([all('/api/inventory'), all('/api/books')]);
  const titles = Object.fromEntries(books.map((b) => [b.id, b.title]));
  return [['', t('products.no_item')], ...inv.map((i) => [i.id, `${i.book_id ? titles[i.book_id] || `#${i.book_id}` : i.title || t(`kind.${i.kind}`)}${i.shelf ? ` · ${i.shelf}` : ''} (#${i.id})`])];
}
function productFields(p, items) {
  return [field('sku', 'f.sku', { required: true, value: p.sku, autocomplete: 'off' }), field('name', 'f.name', { required: true, value: p.name }), field('description', 'f.description', { textarea: true, value: p.description }),
    field('price_cents', 'f.price', { type: 'number', step: '0.01', min: 0, required: true, inputmode: 'decimal', value: p.price_cents == null ? null : (p.price_cents / 100).toFixed(2) }),
    field('currency', 'f.currency', { value: p.currency || 'ARS', maxlength: 3 }), field('stock', 'f.stock', { type: 'number', value: p.stock ?? 0, min: 0 }),
    field('inventory_item_id', 'f.inventory_item', { options: items, value: p.inventory_item_id })];
}
const productBody = (v) => ({ sku: v.sku, name: v.name, description: opt(v.description), price_cents: cents(v.price_cents), currency: opt(v.currency), stock: num(v.stock), inventory_item_id: num(v.inventory_item_id) });
async function pageProducts(root) {
  const [{ items }, choices] = await Promise.all([api('GET', '/api/products?include_deleted=true&limit=200'), inventoryChoices()]);
  put(root, h('h1', {}, t('products.title')),
    table(['f.sku', 'f.name', 'f.price', 'f.stock'].map((k) => t(k)), items.map((p) => h('tr', { class: p.deleted_at ? 'deleted' : null }, h('td', {}, p.sku),
      h('td', {}, link(`/staff/products/${p.id}`, p.name), p.deleted_at ? [' ', h('span', { class: 'badge' }, t('products.deleted'))] : null),
      h('td', {}, money(p.price_cents, p.currency)), h('td', {}, p.stock)))),
    h('h2', {}, t('products.add')),
    form(productFields({}, choices), 'products.add', async (v) => {
      await api('POST', '/api/products', productBody(v));
      render();
    }));
}
function barChart(days) {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, ...kids) => { const el = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v); kids.forEach((k) => el.append(k)); return el; };
  const max = Math.max(1, ...days.map((d) => d.views));
  const bw = 22, H = 90, W = Math.max(120, days.length * bw + 10);
  return s('svg', { class: 'chart', width: W, height: H + 16, viewBox: `0 0 ${W} ${H + 16}`, role: 'img', 'aria-label': days.map((d) => `${d.day}: ${d.views}`).join(', ') },
    ...days.map((d, i) => { const bh = Math.max(1, Math.round((d.views / max) * (H - 12))); return s('g', {}, s('rect', { x: 5 + i * bw, y: H - bh, width: bw - 6, height: bh }, s('title', {}, `${d.day}: ${d.views}`)), s('text', { x: 5 + i * bw, y: H + 12 }, d.day.slice(8))); }));
}
async function pageProductAdmin(root, { id }) {
  const [p, prices, views] = await Promise.all([api('GET', `/api/products/${id}?include_deleted=true`).catch(() => api('GET', `/api/products/${id}`)), api('GET', `/api/products/${id}/prices?limit=200`), api('GET', `/api/products/${id}/views`)]);
  put(root, h('h1', {}, p.name, p.deleted_at ? [' ', h('span', { class: 'badge' }, t('products.deleted'))] : null));
  const choices = await inventoryChoices();
  put(root, form(productFields(p, choices), 'products.save', async (v) => {
    const body = productBody(v);
    if (body.currency == null) delete body.currency;
    await api('PATCH', `/api/products/${id}`, body);
    render();
  }, { extra: p.deleted_at ? [] : [confirmBtn('products.delete', 'books.confirm', async () => { await api('DELETE', `/api/products/${id}`); render(); })] }));
  put(root, h('h2', {}, t('products.prices')), prices.items.length ? h('ul', {}, prices.items.map((c) => h('li', {}, `${when(c.at)}: ${money(c.old_cents, p.currency)} → ${money(c.new_cents, p.currency)}`))) : h('p', {}, t('products.noprices')));
  put(root, h('h2', {}, t('products.views')), h('p', {}, t('products.views_total', { n: views.total, v: views.unique_visitors, u: views.unique_users })), views.per_day.length ? barChart(views.per_day.slice(-30)) : h('p', {}, t('products.noviews')));
}
async function pageUsers(root) {
  const { items } = await api('GET', '/api/users?limit=200');
  const roles = ['user', 'admin', 'super_admin'].map((r) => [r, t(`role.${r}`)]);
  put(root, h('h1', {}, t('users.title')), h('p', { class: 'rules', role: 'note' }, t('users.rules')),
    table([t('f.username'), t('f.role'), t('users.password'), ''], items.map((u) => {
      const f = inlineForm(form([field('role', 'f.role', { options: roles, value: u.role })], 'users.change', async (v) => { await api('PATCH', `/api/users/${u.id}`, { role: v.role }); render(); }));
      // The owner resets someone else's password (the API revokes that account's sessions);
      // their own goes through the profile page, with the current one.
      const reset = u.id === me.id ? link('/profile', t('users.own_password')) : h('details', { class: 'reset' }, h('summary', {}, t('users.reset')),
        inlineForm(form([field('new_password', 'f.new_password', { type: 'password', required: true, autocomplete: 'new-password' })], 'users.reset.submit', async (v, rf) => {
          await api('PUT', `/api/users/${u.id}/password`, { new_password: v.new_password });
          rf.reset();
          rf.append(h('p', { role: 'status' }, t('users.reset.done', { u: u.username })));
        })));
      return h('tr', { 'data-user': u.username }, h('td', {}, link(`/u/${u.id}`, u.username)), h('td', {}, f), h('td', {}, reset),
        h('td', {}, u.id === me.id ? '' : confirmBtn('users.delete', 'users.confirm', async () => { await api('DELETE', `/api/users/${u.id}`); render(); })));
    })),
    h('h2', {}, t('users.create')),
    form([field('username', 'f.username', { required: true, autocomplete: 'off' }), field('password', 'f.password', { type: 'password', required: true, autocomplete: 'new-password' }), field('email', 'f.email', { type: 'email' }),
      field('role', 'f.role', { options: roles, value: 'admin' })], 'users.create', async (v) => {
      await api('POST', '/api/users', { username: v.username, password: v.password, email: opt(v.email), role: v.role });
      render();
    }));
}
async function pageOwner(root) {
  const health = await fetch('/healthz').then((r) => r.json()).catch(() => ({}));
  const status = h('p', { role: 'status' });
  put(root, h('h1', {}, t('owner.title')), h('p', {}, t('owner.help')),
    h('p', { id: 'last-backup' }, health.last_backup ? t('owner.last', { t: when(health.last_backup) }) : t('owner.never')),
    h('button', { type: 'button', id: 'backup', onclick: async () => {
      status.textContent = t('loading');
      try {
        const res = await api('GET', '/api/admin/backup', undefined, { raw: true });
        const a = h('a', { href: URL.createObjectURL(await res.blob()), download: `barrio-${new Date().toISOString().slice(0, 10)}.redb` });
        document.body.append(a); a.click(); a.remove();
        status.textContent = t('done');
      } catch (e) { status.textContent = errText(e); }
    } }, t('owner.backup')), status);
}

// ---------- pages: courses and deliveries ----------
const isoFromLocal = (v) => (v ? new Date(v).toISOString() : '');
const COURSE_STATUSES = ['draft', 'open', 'closed', 'cancelled'];
function courseFields(c, users) {
  return [field('title', 'f.title', { required: true, value: c.title }), field('description', 'f.description', { textarea: true, value: c.description }),
    field('teacher_id', 'f.teacher', { options: userOptions(users), value: c.teacher_id }),
    field('starts_at', 'f.starts_at', { type: 'datetime-local', required: true, value: toLocalInput(c.starts_at) }), field('ends_at', 'f.ends_at', { type: 'datetime-local', required: true, value: toLocalInput(c.ends_at) }),
    field('schedule', 'f.schedule', { value: c.schedule }), field('capacity', 'f.capacity', { type: 'number', min: 0, value: c.capacity ?? 10 }),
    field('price_cents', 'f.price', { type: 'number', step: '0.01', min: 0, value: ((c.price_cents || 0) / 100).toFixed(2), inputmode: 'decimal' }),
    field('status', 'f.status', { options: (c.id ? COURSE_STATUSES : COURSE_STATUSES.slice(0, 3)).map((x) => [x, t(`courses.status.${x}`)]), value: c.status || 'open' })];
}
function enrolButton(c, mine) {
  if (!me) return null;
  if (mine) {
    return h('p', { role: 'status' }, mine.position ? t('courses.waitlist', { n: mine.position }) : t('courses.enrolled'), ' ',
      confirmBtn('courses.leave', 'courses.leave.confirm', async () => { await api('DELETE', `/api/courses/${c.id}/enrolments`); render(); }));
  }
  if (c.status !== 'open') return null;
  return h('button', { type: 'button', onclick: async (ev) => {
    try { const e = await api('POST', `/api/courses/${c.id}/enrolments`); ev.target.replaceWith(h('p', { role: 'status' }, e.position ? t('courses.waitlist', { n: e.position }) : t('courses.enrolled'))); }
    catch (e) { ev.target.after(h('p', { class: 'form-err', role: 'alert' }, errText(e))); }
  } }, t('courses.enrol'));
}
async function myEnrolments() {
  if (!me) return {};
  const { items } = await api('GET', `/api/users/${me.id}/courses?limit=200`).catch(() => ({ items: [] }));
  return Object.fromEntries(items.map((m) => [m.course.id, m.enrolment]));
}
async function pageCourses(root) {
  const [{ items }, mine, users] = await Promise.all([api('GET', '/api/courses?limit=100'), myEnrolments(), isStaff() ? all('/api/users').catch(() => []) : []]);
  put(root, h('h1', {}, t('courses.title')),
    items.length ? h('div', { class: 'grid' }, items.map((c) => h('article', { class: 'card', 'data-course': c.id },
      h('h2', { class: 'h3' }, link(`/courses/${c.id}`, c.title)), h('p', { class: 'muted' }, `${when(c.starts_at)} → ${when(c.ends_at)}`), c.schedule ? h('p', {}, c.schedule) : null,
      h('p', {}, t('courses.seats', { n: c.capacity }), ' · ', money(c.price_cents), ' · ', t(`courses.status.${c.status}`)),
      c.description ? h('p', {}, c.description) : null, enrolButton(c, mine[c.id]))))
      : h('p', {}, t('courses.empty')));
  if (isStaff()) {
    put(root, h('h2', {}, t('courses.add')), form(courseFields({}, users), 'courses.add', async (v) => {
      await api('POST', '/api/courses', { title: v.title, description: opt(v.description), teacher_id: num(v.teacher_id), starts_at: isoFromLocal(v.starts_at), ends_at: isoFromLocal(v.ends_at), schedule: opt(v.schedule), capacity: num(v.capacity), price_cents: cents(v.price_cents), status: v.status });
      render();
    }));
  }
}
async function pageCourse(root, { id }) {
  const [c, mine] = await Promise.all([api('GET', `/api/courses/${id}`), myEnrolments()]);
  const staff = isStaff();
  put(root, h('h1', {}, c.title), h('p', { class: 'muted' }, `${when(c.starts_at)} → ${when(c.ends_at)}`), c.schedule ? h('p', {}, c.schedule) : null,
    h('p', {}, t('courses.seats', { n: c.capacity }), ' · ', money(c.price_cents), ' · ', h('span', { id: 'course-status', class: c.status === 'cancelled' ? 'badge' : null }, t(`courses.status.${c.status}`))),
    c.description ? h('p', {}, c.description) : null, enrolButton(c, mine[c.id]));
  if (staff || (me && c.teacher_id === me.id)) {
    const { items } = await api('GET', `/api/courses/${id}/enrolments?limit=200`);
    const names = Object.fromEntries(await Promise.all([...new Set(items.map((e) => e.user_id))].map(async (u) => [u, (await api('GET', `/api/users/${u}`).catch(() => ({}))).username || `#${u}`])));
    const rows = (list) => list.map((e) => [...(e.position ? [e.position] : []), link(`/u/${e.user_id}`, `@${names[e.user_id]}`), when(e.created_at),
      staff ? confirmBtn('courses.remove', 'courses.remove.confirm', async () => { await api('DELETE', `/api/courses/${id}/enrolments/${e.user_id}`); render(); }) : '']);
    const enrolled = items.filter((e) => e.status === 'enrolled'), waiting = items.filter((e) => e.status !== 'enrolled');
    put(root, h('h2', {}, t('courses.enrolled_list', { n: enrolled.length, c: c.capacity })),
      enrolled.length ? table([t('f.username'), t('courses.since'), ''], rows(enrolled), { id: 'enrolled' }) : h('p', {}, t('courses.nobody')),
      h('h2', {}, t('courses.waiting_list', { n: waiting.length })),
      waiting.length ? table([t('courses.position'), t('f.username'), t('courses.since'), ''], rows(waiting), { id: 'waiting' }) : h('p', {}, t('courses.nobody')));
  }
  if (staff) {
    const users = await all('/api/users').catch(() => []);
    put(root, h('h2', {}, t('courses.edit')), form(courseFields(c, users), 'save', async (v) => {
      const body = { title: v.title, description: opt(v.description), teacher_id: num(v.teacher_id), schedule: opt(v.schedule), capacity: num(v.capacity), price_cents: cents(v.price_cents) };
      // Moving a date or the status tells the members: only send what changed.
      if (v.starts_at !== toLocalInput(c.starts_at)) body.starts_at = isoFromLocal(v.starts_at);
      if (v.ends_at !== toLocalInput(c.ends_at)) body.ends_at = isoFromLocal(v.ends_at);
      if (v.status !== c.status) body.status = v.status;
      await api('PATCH', `/api/courses/${id}`, body);
      render();
    }, { extra: c.status === 'cancelled' ? [] : [confirmBtn('courses.cancel', 'courses.cancel.confirm', async () => { await api('PATCH', `/api/courses/${id}`, { status: 'cancelled' }); render(); })] }));
  }
}

// ---------- pages: deliveries ----------
/** The travel state machine as the API enforces it (src/deliveries/model.rs), to offer only possible moves. */
const TRAVEL_NEXT = { planned: ['assigned', 'cancelled'], assigned: ['on_the_way', 'cancelled'], on_the_way: ['delivered', 'cancelled'], delivered: [], cancelled: [] };
const RESOURCE_KINDS = ['bicycle', 'motorbike', 'van', 'car', 'on_foot'];
function deliveriesNav(current) {
  return h('nav', { class: 'tabs', 'aria-label': t('deliveries.sections') }, [['/staff/deliveries', 'deliveries.travels'], ['/staff/clients', 'deliveries.clients'], ['/staff/locations', 'deliveries.locations'], ['/staff/resources', 'deliveries.resources']]
    .map(([href, key]) => link(href, t(key), { 'aria-current': href === current ? 'page' : null })));
}
/** Clients, locations and resources: the same list, create, edit and delete pages over their API. */
const DELIVERY = {
  clients: {
    api: '/api/clients', load: async () => ({ users: await all('/api/users').catch(() => []) }), name: (c) => c.name,
    heads: ['deliveries.col.phone', 'f.email_plain', 'deliveries.col.member'], cols: (c, x) => [c.phone || '—', c.email || '—', c.user_id ? `@${(x.users.find((u) => u.id === c.user_id) || {}).username || c.user_id}` : '—'],
    fields: (c, x) => [field('name', 'f.name', { required: true, value: c.name }), field('phone', 'f.phone', { type: 'tel', value: c.phone, autocomplete: 'off' }),
      field('email', 'f.email', { type: 'email', value: c.email }), field('notes', 'f.notes', { textarea: true, value: c.notes }),
      field('user_id', 'f.member', { options: userOptions(x.users), value: c.user_id })],
    body: (v) => ({ name: v.name, phone: opt(v.phone), email: opt(v.email), notes: opt(v.notes), user_id: num(v.user_id) }),
  },
  locations: {
    api: '/api/locations', load: async () => ({ clients: await all('/api/clients') }), name: (l) => l.label,
    heads: ['f.street', 'f.city', 'f.client'], cols: (l, x) => [l.street || '—', l.city || '—', (x.clients.find((c) => c.id === l.client_id) || {}).name || t('deliveries.shop_place')],
    fields: (l, x) => [field('label', 'f.label', { required: true, value: l.label }), field('street', 'f.street', { value: l.street }), field('city', 'f.city', { value: l.city }),
      field('lat', 'f.lat', { type: 'number', step: 'any', value: l.lat, inputmode: 'decimal' }), field('lng', 'f.lng', { type: 'number', step: 'any', value: l.lng, inputmode: 'decimal' }),
      field('notes', 'f.notes', { textarea: true, value: l.notes }), field('client_id', 'f.client', { options: [['', t('deliveries.shop_place')], ...x.clients.map((c) => [c.id, c.name])], value: l.client_id })],
    body: (v) => ({ label: v.label, street: opt(v.street), city: opt(v.city), lat: num(v.lat), lng: num(v.lng), notes: opt(v.notes), client_id: num(v.client_id) }),
  },
  resources: {
    api: '/api/resources', load: async () => ({ users: await all('/api/users').catch(() => []) }), name: (r) => r.name,
    heads: ['f.resource_kind', 'deliveries.col.parcels', 'deliveries.col.courier', 'deliveries.col.active'],
    cols: (r, x) => [t(`rkind.${r.kind}`), r.capacity ?? '—', r.courier_id ? `@${(x.users.find((u) => u.id === r.courier_id) || {}).username || r.courier_id}` : '—', r.active ? t('yes') : t('no')],
    fields: (r, x) => [field('name', 'f.name', { required: true, value: r.name }), field('kind', 'f.resource_kind', { options: RESOURCE_KINDS.map((k) => [k, t(`rkind.${k}`)]), value: r.kind }),
      field('capacity', 'f.parcels', { type: 'number', min: 0, value: r.capacity }), field('courier_id', 'f.courier', { options: userOptions(x.users), value: r.courier_id }),
      field('active', 'f.active', { type: 'checkbox', value: r.active ?? true })],
    body: (v) => ({ name: v.name, kind: v.kind, capacity: num(v.capacity), courier_id: num(v.courier_id), active: v.active }),
  },
};
function deliveryList(kind) {
  return async (root) => {
    const spec = DELIVERY[kind];
    const [items, x] = await Promise.all([all(spec.api), spec.load()]);
    put(root, h('h1', {}, t(`deliveries.${kind}`)), deliveriesNav(`/staff/${kind}`),
      items.length ? table([t('f.name'), ...spec.heads.map((k) => t(k))], items.map((it) => [link(`/staff/${kind}/${it.id}`, spec.name(it)), ...spec.cols(it, x)])) : h('p', {}, t('deliveries.none')),
      h('h2', {}, t(`deliveries.add.${kind}`)),
      form(spec.fields({}, x), `deliveries.add.${kind}`, async (v) => { await api('POST', spec.api, spec.body(v)); render(); }));
  };
}
function deliveryEdit(kind) {
  return async (root, { id }) => {
    const spec = DELIVERY[kind];
    const [it, x] = await Promise.all([api('GET', `${spec.api}/${id}`), spec.load()]);
    put(root, h('h1', {}, spec.name(it)), deliveriesNav(`/staff/${kind}`),
      form(spec.fields(it, x), 'save', async (v) => { await api('PATCH', `${spec.api}/${id}`, spec.body(v)); navigate(`/staff/${kind}`); },
        { extra: [confirmBtn('delete', 'confirm.delete', async () => { await api('DELETE', `${spec.api}/${id}`); navigate(`/staff/${kind}`); })] }));
  };
}
async function travelContext() {
  const [clients, locations, resources] = await Promise.all([all('/api/clients'), all('/api/locations'), all('/api/resources')]);
  const name = (list, id, key = 'name') => (list.find((x) => x.id === id) || {})[key] || (id ? `#${id}` : '—');
  return { clients, locations, resources, client: (id) => name(clients, id), place: (id) => name(locations, id, 'label'), resource: (id) => name(resources, id) };
}
function travelFields(tr, x) {
  const places = [['', '—'], ...x.locations.map((l) => [l.id, l.label])];
  return [
    field('client_id', 'f.client', { required: true, options: [['', '—'], ...x.clients.map((c) => [c.id, c.name])], value: tr.client_id }),
    field('from_location_id', 'f.from', { required: true, options: places, value: tr.from_location_id }),
    field('to_location_id', 'f.to', { required: true, options: places, value: tr.to_location_id }),
    field('resource_id', 'f.resource', { options: [['', '—'], ...x.resources.filter((r) => r.active || r.id === tr.resource_id).map((r) => [r.id, r.name])], value: tr.resource_id }),
    field('window_start', 'f.window_start', { type: 'datetime-local', required: true, value: toLocalInput(tr.window_start) }),
    field('window_end', 'f.window_end', { type: 'datetime-local', required: true, value: toLocalInput(tr.window_end) }),
    field('notes', 'f.notes', { textarea: true, value: tr.notes }),
  ];
}
const travelBody = (v) => ({ client_id: num(v.client_id), from_location_id: num(v.from_location_id), to_location_id: num(v.to_location_id), window_start: isoFromLocal(v.window_start), window_end: isoFromLocal(v.window_end), notes: opt(v.notes) });
/** The possible next statuses of a travel; a planned one picks its resource to be assigned. */
function moveForm(tr, x) {
  const next = TRAVEL_NEXT[tr.status] || [];
  if (!next.length) return h('span', { class: 'muted' }, t('deliveries.final'));
  const fields = [field('status', 'deliveries.move', { options: next.map((s) => [s, t(`deliveries.status.${s}`)]) })];
  if (tr.status === 'planned') fields.push(field('resource_id', 'f.resource', { options: [['', '—'], ...x.resources.filter((r) => r.active).map((r) => [r.id, r.name])], value: tr.resource_id }));
  return inlineForm(form(fields, 'deliveries.move', async (v) => {
    // Only a move to `assigned` names its resource.
    await api('POST', `/api/travels/${tr.id}/status`, v.status === 'assigned' ? { status: v.status, resource_id: num(v.resource_id) ?? tr.resource_id ?? null } : { status: v.status });
    render();
  }));
}
async function pageDeliveries(root) {
  const [items, x] = await Promise.all([all('/api/travels'), travelContext()]);
  put(root, h('h1', {}, t('deliveries.title')), deliveriesNav('/staff/deliveries'),
    items.length ? table(['#', t('f.client'), t('deliveries.route'), t('deliveries.window'), t('f.resource'), t('f.status'), t('deliveries.move')],
      items.map((tr) => h('tr', { 'data-travel': tr.id }, h('td', {}, link(`/staff/travels/${tr.id}`, `#${tr.id}`)), h('td', {}, x.client(tr.client_id)),
        h('td', {}, `${x.place(tr.from_location_id)} → ${x.place(tr.to_location_id)}`), h('td', {}, `${when(tr.window_start)} → ${when(tr.window_end)}`, tr.notes ? [h('br'), h('span', { class: 'muted' }, tr.notes)] : null),
        h('td', {}, tr.resource_id ? x.resource(tr.resource_id) : '—'), h('td', { class: 'status' }, t(`deliveries.status.${tr.status}`)), h('td', {}, moveForm(tr, x))))) : h('p', {}, t('deliveries.empty')));
  if (!x.clients.length || x.locations.length < 1) { put(root, h('p', { class: 'rules' }, t('deliveries.first'))); }
  put(root, h('h2', {}, t('deliveries.add.travels')), form(travelFields({}, x), 'deliveries.add.travels', async (v) => {
    need(v, 'client_id', 'from_location_id', 'to_location_id');
    await api('POST', '/api/travels', { ...travelBody(v), resource_id: num(v.resource_id) });
    render();
  }));
}
async function pageTravel(root, { id }) {
  const [tr, x] = await Promise.all([api('GET', `/api/travels/${id}`), travelContext()]);
  put(root, h('h1', {}, t('deliveries.travel', { n: tr.id })), deliveriesNav('/staff/deliveries'),
    h('p', {}, h('strong', { id: 'travel-status' }, t(`deliveries.status.${tr.status}`)), ' ', moveForm(tr, x)),
    form(travelFields(tr, x), 'save', async (v) => {
      need(v, 'client_id', 'from_location_id', 'to_location_id');
      const body = travelBody(v);
      // null would try to unassign, which the API refuses: a resource is only ever (re)assigned.
      if (v.resource_id !== '' && num(v.resource_id) !== tr.resource_id) body.resource_id = num(v.resource_id);
      await api('PATCH', `/api/travels/${id}`, body);
      navigate('/staff/deliveries');
    }, { extra: [confirmBtn('delete', 'confirm.delete', async () => { await api('DELETE', `/api/travels/${id}`); navigate('/staff/deliveries'); })] }),
    h('h2', {}, t('deliveries.history')), h('ol', {}, tr.history.map((e) => h('li', {}, `${when(e.at)}: ${t(`deliveries.status.${e.status}`)}`))));
}

/** A member's own deliveries (as a client) and a courier's travels, which the courier moves along. */
async function pageMyDeliveries(root) {
  const items = await all('/api/travels');
  const uniq = (list) => [...new Set(list.filter((x) => x != null))];
  const many = async (path, list) => Object.fromEntries(await Promise.all(list.map(async (id) => [id, await api('GET', `${path}/${id}`).catch(() => null)])));
  const [clients, places, resources] = await Promise.all([many('/api/clients', uniq(items.map((x) => x.client_id))),
    many('/api/locations', uniq(items.flatMap((x) => [x.from_location_id, x.to_location_id]))), many('/api/resources', uniq(items.map((x) => x.resource_id)))]);
  const place = (id) => { const l = places[id]; return l ? [l.label, l.street, l.city].filter(Boolean).join(', ') : `#${id}`; };
  // The API lets a travel's courier move it on the way and deliver it.
  const courierMove = { assigned: 'on_the_way', on_the_way: 'delivered' };
  put(root, h('h1', {}, t('mydeliveries.title')), items.length ? table(['#', t('f.client'), t('deliveries.route'), t('deliveries.window'), t('f.status'), ''],
    items.map((tr) => {
      const mine = resources[tr.resource_id]?.courier_id === me.id, next = courierMove[tr.status];
      const btn = mine && next ? h('button', { type: 'button', onclick: async (ev) => {
        try { await api('POST', `/api/travels/${tr.id}/status`, { status: next }); render(); }
        catch (e) { ev.target.after(h('p', { class: 'form-err', role: 'alert' }, errText(e))); }
      } }, t(`mydeliveries.mark.${next}`)) : '';
      return h('tr', { 'data-travel': tr.id }, h('td', {}, `#${tr.id}`), h('td', {}, clients[tr.client_id]?.name || '—'), h('td', {}, `${place(tr.from_location_id)} → ${place(tr.to_location_id)}`),
        h('td', {}, `${when(tr.window_start)} → ${when(tr.window_end)}`, tr.notes ? [h('br'), h('span', { class: 'muted' }, tr.notes)] : null), h('td', { class: 'status' }, t(`deliveries.status.${tr.status}`)), h('td', {}, btn));
    })) : h('p', {}, t('mydeliveries.empty')));
}

// ---------- pages: community ----------
function postCard(p) {
  const likeBtn = h('button', { type: 'button', class: 'secondary', 'aria-pressed': p.liked_by_me ? 'true' : 'false' }, t(p.liked_by_me ? 'post.unlike' : 'post.like'));
  const count = h('span', { class: 'meta' }, t('post.likes', { n: p.like_count }));
  likeBtn.addEventListener('click', async () => {
    if (!me) return navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
    try {
      await api(p.liked_by_me ? 'DELETE' : 'POST', `/api/posts/${p.id}/like`);
      p.like_count += p.liked_by_me ? -1 : 1; p.liked_by_me = !p.liked_by_me;
      likeBtn.textContent = t(p.liked_by_me ? 'post.unlike' : 'post.like'); likeBtn.setAttribute('aria-pressed', String(p.liked_by_me));
      count.textContent = t('post.likes', { n: p.like_count });
    } catch (e) { announce(errText(e)); }
  });
  const text = h('p', { class: 'text' }, p.text);
  const edited = h('span', { class: 'edited', hidden: !p.edited_at, title: p.edited_at ? when(p.edited_at) : null }, ` · ${t('post.edited')}`);
  const card = h('article', { class: 'post', 'data-post': p.id },
    h('div', { class: 'meta' }, me ? link(`/u/${p.author_id}`, `@${p.author_username}`) : `@${p.author_username}`, ' · ', link(`/posts/${p.id}`, when(p.created_at), { class: 'permalink' }), edited),
    text, p.image_url ? h('img', { src: p.image_url, alt: t('post.image_alt', { u: p.author_username }), loading: 'lazy' }) : null);
  const edit = me && me.id === p.author_id ? h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, t('edit')) : null;
  // The author edits the text in place; the API marks the post as edited.
  edit?.addEventListener('click', () => {
    if (card.querySelector('form')) return;
    edit.setAttribute('aria-expanded', 'true');
    const f = form([field('text', 'post.edit_label', { textarea: true, required: true, maxlength: 280, value: p.text })], 'save', async (v) => {
      const saved = await api('PATCH', `/api/posts/${p.id}`, { text: v.text });
      Object.assign(p, saved);
      text.textContent = saved.text; edited.hidden = !saved.edited_at;
      f.remove(); text.hidden = false; edit.setAttribute('aria-expanded', 'false'); edit.focus();
    }, { extra: [h('button', { type: 'button', class: 'secondary', onclick: () => { f.remove(); text.hidden = false; edit.setAttribute('aria-expanded', 'false'); edit.focus(); } }, t('cancel'))] });
    text.hidden = true; text.after(f); f.querySelector('textarea').focus();
  });
  put(card, h('div', { class: 'row' }, likeBtn, count, edit, me && (me.id === p.author_id || isStaff()) ? confirmBtn('post.delete', 'post.confirm', async () => { await api('DELETE', `/api/posts/${p.id}`); render(); }) : null));
  return card;
}
async function pagePost(root, { id }) {
  const p = await api('GET', `/api/posts/${id}`);
  put(root, h('h1', {}, t('post.title', { u: p.author_username })), postCard(p), h('p', {}, link(me ? '/home' : '/feed', t('post.back'))));
}
function composer() {
  return form([field('text', 'f.text', { textarea: true, required: true, maxlength: 280 }), field('image', 'f.image', { type: 'file', accept: 'image/png,image/jpeg,image/webp' })], 'post.submit', async (v) => {
    await api('POST', '/api/posts', { text: v.text, image: v.image ? await fileBase64(v.image) : null });
    render();
  });
}
async function postList(root, path) {
  const box = h('div', {});
  put(root, box);
  let cursor = null;
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('books.more'));
  const load = async () => {
    const page = await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!page.items.length && !cursor) box.append(h('p', {}, t('post.empty')));
    box.append(...page.items.map(postCard));
    cursor = page.next_cursor; more.hidden = !cursor;
  };
  more.addEventListener('click', load);
  put(root, more);
  await load();
}
async function pageFeed(root) {
  put(root, h('h1', {}, t('feed.title')));
  if (me) put(root, composer());
  await postList(root, '/api/posts');
}
async function pageHome(root) {
  put(root, h('h1', {}, t('home.title')), composer());
  await postList(root, '/api/timeline');
}
/** Who follows an account, or whom it follows: a disclosure with the count and the names. */
function followList(kind, page) {
  return h('details', { class: 'follows', id: kind }, h('summary', {}, t(`profile.${kind}`, { n: page.count })),
    page.items.length ? h('ul', {}, page.items.map((x) => h('li', {}, link(`/u/${x.id}`, `@${x.username}`)))) : h('p', { class: 'muted' }, t('profile.nobody')),
    page.next_cursor ? h('p', { class: 'muted' }, t('profile.first_n', { n: page.items.length })) : null);
}
async function pageUser(root, { id }) {
  const [u, following, theirFollowers, theirFollowing] = await Promise.all([api('GET', `/api/users/${id}`), api('GET', `/api/users/${me.id}/following?limit=200`),
    api('GET', `/api/users/${id}/followers?limit=100`), api('GET', `/api/users/${id}/following?limit=100`)]);
  let follows = following.items.some((f) => String(f.id) === String(id));
  put(root, h('h1', {}, u.display_name || u.username), h('p', { class: 'muted' }, `@${u.username}`),
    h('div', { class: 'row follow-lists' }, followList('followers', theirFollowers), followList('following', theirFollowing)));
  if (String(me.id) !== String(id)) {
    const btn = h('button', { type: 'button', id: 'follow' }, t(follows ? 'profile.unfollow' : 'profile.follow'));
    btn.addEventListener('click', async () => {
      try {
        await api(follows ? 'DELETE' : 'POST', `/api/users/${id}/follow`); follows = !follows; btn.textContent = t(follows ? 'profile.unfollow' : 'profile.follow');
        root.querySelector('#followers').replaceWith(followList('followers', await api('GET', `/api/users/${id}/followers?limit=100`)));
      }
      catch (e) { announce(errText(e)); }
    });
    put(root, h('p', {}, btn));
  }
  put(root, h('h2', {}, t('profile.posts')));
  await postList(root, `/api/users/${id}/posts`);
}
async function pageNotifs(root) {
  const { items } = await api('GET', '/api/notifications?limit=50');
  put(root, h('h1', {}, t('notif.title')), h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: async () => { await api('POST', '/api/notifications/read-all'); refreshCount(); render(); } }, t('notif.readall'))),
    items.length ? h('div', { role: 'list' }, items.map((n) => h('div', { role: 'listitem', class: `notif${n.read ? '' : ' unread'}` },
      h('a', { href: uiLink(n.link), onclick: () => api('POST', `/api/notifications/${n.id}/read`).then(refreshCount).catch(() => {}) }, notifText(n.text)), ' ', h('span', { class: 'muted' }, when(n.created_at)))))
      : h('p', {}, t('notif.empty')));
}
/** The server's notification text, said in the person's language when a pattern knows it. */
function notifText(text) {
  for (const [re, out] of dict['notif.patterns'] || []) if (re.test(text)) return text.replace(re, out);
  return text;
}
/** Notification links name API resources; map them to UI pages. */
function uiLink(l) {
  const m = /^\/(?:api\/)?(posts|products|books|users)\/(\d+)/.exec(l || '');
  if (!m) return '/notifications';
  return { posts: `/posts/${m[2]}`, products: isStaff() ? `/staff/products/${m[2]}` : `/products/${m[2]}`, books: `/books/${m[2]}`, users: `/u/${m[2]}` }[m[1]];
}

// ---------- start ----------
document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  e.preventDefault();
  moveFocus = true;
  if (url.pathname === '/logout') return logout();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => { moveFocus = true; render(); });
async function start() {
  await loadLang(lang);
  $('#lang').addEventListener('change', async (e) => { localStorage.setItem('lang', e.target.value); await loadLang(e.target.value); render(); refreshCount(); });
  $('#menu-btn').addEventListener('click', () => { const open = $('#nav').classList.toggle('open'); $('#menu-btn').setAttribute('aria-expanded', String(open)); });
  try { setupNeeded = (await api('GET', '/api/setup')).needed; } catch { /* the page will say */ }
  await loadSession();
  if (location.pathname === '/logout') history.replaceState(null, '', '/');
  openStream();
  await render();
}
start();
