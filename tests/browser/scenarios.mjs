// End-to-end scenarios of the web UI in headless Chromium, against a running Barrio on a
// fresh data dir: `node tests/browser/scenarios.mjs http://127.0.0.1:PORT`.
// Run by tests/api/browser.rs (part of scripts/test). Screenshots go to
// test-artifacts/screenshots/ (git-ignored).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const base = process.argv[2];
if (!base) { console.error('usage: scenarios.mjs BASE_URL'); process.exit(2); }
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = join(root, 'test-artifacts', 'screenshots');
mkdirSync(shots, { recursive: true });
const PASSWORD = 'correct horse battery';
const started = Date.now();
const step = (s) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${s}`);

// A small valid PNG (120x160, stripes) for the cover and the post image.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAHgAAACgCAIAAABIaz/HAAABCElEQVR42u3bQQ0AIAwEwSpBCFLQhJjKQgYumiadZBXM93KxzlVBgQA0aIEGDZoCaNACDRo0BdCgBRo0aIEGLdBNoV9uFQQaNGiBBg0aAWjQAg0aNAXQoAUaNGgKoEELdFdos6kVHLRAgwZNATRogQYNmgJo0AINGrRAgxZo0H6GsoKDFmjQoAUatECDBi3QoAUaNGiBBi3QoP0MZQUHLdCgQQs0aIEGDVqgQQs0aNACDVqgQfsZygoOWqBBgxZo0AINGrRAgxZo0KAFGrRAg/YzlBUctECDBi3QoAUaNGiBBi3QoEELNGiBBu1nKCs4aIEGDVqgQQs0aNACDVqgQYMWaNACDXpMHzE+Xzds4GCQAAAAAElFTkSuQmCC', 'base64');
const tmp = mkdtempSync(join(tmpdir(), 'barrio-browser-'));
const pngPath = join(tmp, 'red.png');
writeFileSync(pngPath, PNG);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // Playwright gives every launch a fresh temporary profile (user-data-dir).
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];
// ASSETS_FROM_DISK=1 serves the UI from assets/ instead of the binary (for working on the UI
// without rebuilding the release binary; the test itself always runs on the embedded UI).
async function fromDisk(ctx) {
  if (!process.env.ASSETS_FROM_DISK) return;
  const { extname } = await import('node:path');
  const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.svg': 'image/svg+xml' };
  await ctx.route((url) => url.href.startsWith(base) && !url.pathname.startsWith('/api/') && url.pathname !== '/healthz', (route) => {
    const path = new URL(route.request().url()).pathname;
    const file = extname(path) ? path.slice(1) : 'index.html';
    try { route.fulfill({ status: 200, contentType: types[extname(file)] || 'application/octet-stream', body: readFileSync(join(root, 'assets', file)) }); }
    catch { route.fulfill({ status: 404, body: 'not found' }); }
  });
}
async function person(locale) {
  const ctx = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
  await fromDisk(ctx);
  ctx.setDefaultTimeout(20_000);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(`${locale}: ${e.message}`));
  page.on('dialog', (d) => d.accept());
  return page;
}
// A basic accessibility audit run inside the page (no internet, no axe): every form control
// has a label, every image an alt, every button and link a name, one h1, a focus style, and
// text contrast of at least 4.5:1 (3:1 for large text) against its computed background.
function auditPage() {
  const out = [];
  const desc = (el) => `<${el.tagName.toLowerCase()}${el.id ? ` id=${el.id}` : ''}${el.getAttribute('name') ? ` name=${el.getAttribute('name')}` : ''}${el.className && typeof el.className === 'string' ? ` class=${el.className}` : ''}>`;
  const byIds = (el) => (el.getAttribute('aria-labelledby') || '').split(/\s+/).map((id) => (id && document.getElementById(id)?.textContent) || '').join(' ').trim();
  const aria = (el) => (el.getAttribute('aria-label') || '').trim() || byIds(el) || (el.getAttribute('title') || '').trim();
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    if (![...(el.labels || [])].some((l) => l.textContent.trim()) && !aria(el)) out.push(`form control without a label: ${desc(el)}`);
  }
  for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) out.push(`img without alt: ${img.getAttribute('src')}`);
  for (const el of document.querySelectorAll('svg[role=img]')) if (!aria(el)) out.push(`svg image without a name: ${desc(el)}`);
  for (const el of document.querySelectorAll('button, a[href], summary, [role=button], [role=option]')) {
    const imgAlt = [...el.querySelectorAll('img[alt]')].map((i) => i.alt).join('').trim();
    if (!el.textContent.trim() && !aria(el) && !imgAlt) out.push(`${el.tagName.toLowerCase()} without an accessible name: ${el.outerHTML.slice(0, 90)}`);
  }
  if (document.querySelectorAll('h1').length !== 1) out.push(`${document.querySelectorAll('h1').length} h1 elements (want 1)`);
  if (!document.documentElement.lang) out.push('html has no lang');
  let focusRule = false;
  for (const sheet of document.styleSheets) for (const r of sheet.cssRules) if (r.selectorText && /:focus/.test(r.selectorText) && /outline(-style)?\s*:\s*(?!none)/.test(r.style.cssText)) focusRule = true;
  if (!focusRule) out.push('no :focus / :focus-visible rule draws an outline');
  const parse = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c || ''); if (!m) return null; const v = m[1].split(/[\s,/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    return layers.reverse().reduce((bg, l) => over(l, bg), [255, 255, 255, 1]);
  };
  const seen = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg, option, script, style, button:disabled, .sr, [hidden]')) continue;
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if (r.width <= 1 || r.height <= 1 || cs.visibility === 'hidden') continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const bg = background(el), fg0 = parse(cs.color);
    const fg = over([fg0[0], fg0[1], fg0[2], fg0[3] * opacity], bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
    const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    const key = `${cs.color}|${bg.join()}`;
    if (ratio < need && !seen.has(key)) { seen.add(key); out.push(`contrast ${ratio.toFixed(2)} < ${need} for "${el.textContent.trim().slice(0, 30)}" ${desc(el)} (${cs.color} on rgb(${bg.slice(0, 3).map(Math.round)}))`); }
  }
  return out;
}
async function audit(page, name) {
  const problems = await page.evaluate(auditPage);
  // Keyboard focus must be visible: the first Tab stop in the content draws an outline.
  await page.evaluate(() => { document.querySelector('#main').focus(); window.scrollTo(0, 0); });
  await page.keyboard.press('Tab');
  const focus = await page.evaluate(() => { const el = document.activeElement, cs = el && getComputedStyle(el); return el && el !== document.body ? `${cs.outlineStyle} ${cs.outlineWidth}` : 'nothing focused'; });
  if (/^none|nothing| 0px$/.test(focus)) problems.push(`the first Tab stop shows no focus outline (${focus})`);
  if (problems.length) throw new Error(`accessibility audit of ${name}:\n  ${problems.join('\n  ')}`);
  audited.push(name);
}
const audited = [];
async function shot(page, name) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.screenshot({ path: join(shots, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 2) {
    const culprits = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 2 && !el.closest('.tablewrap > table, .sr'))
      .slice(0, 5).map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> right=${Math.round(el.getBoundingClientRect().right)}`));
    throw new Error(`${name}: the page is ${overflow}px wider than a 360px phone: ${culprits.join(', ')}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await audit(page, name);
}
const go = (page, path) => page.goto(base + path);
async function fill(page, values, formSel = 'form') {
  const form = page.locator(formSel).first();
  for (const [name, v] of Object.entries(values)) {
    const input = form.locator(`[name="${name}"]`);
    if (v instanceof Array) await input.selectOption(v);
    else if (typeof v === 'object' && v.file) await input.setInputFiles(v.file);
    else if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(String(v));
    else await input.fill(String(v));
  }
  await form.locator('button[type=submit]').click();
}
async function bell(page) { return Number(await page.locator('#bell-count').textContent()); }
async function login(page, username, next = '/') {
  await go(page, `/login?next=${encodeURIComponent(next)}`);
  await fill(page, { username, password: PASSWORD });
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}
function expect(cond, what) { if (!cond) throw new Error(`expected: ${what}`); }
const idOf = (page) => page.evaluate(() => fetch('/api/session', { headers: { Authorization: `Bearer ${localStorage.getItem('token')}` } }).then((r) => r.json()).then((s) => s.user.id));
/** Calls the API as the person signed in on `page`. */
async function apiAs(page, method, path, data) {
  const token = await page.evaluate(() => localStorage.getItem('token'));
  const res = await page.request.fetch(`${base}${path}`, { method, headers: { Authorization: `Bearer ${token}` }, data });
  expect(res.ok(), `${method} ${path} answers ${res.status()}`);
  return res.status() === 204 ? null : res.json();
}
/** A valid ISBN-13 from its first 12 digits. */
const isbn13 = (d12) => d12 + ((10 - ([...d12].reduce((s, c, i) => s + Number(c) * (i % 2 ? 3 : 1), 0) % 10)) % 10);
const cardTitles = (page) => page.locator('#books .card h2').allTextContents();

try {
  // Both languages have the same keys.
  const dicts = {};
  for (const l of ['es', 'en']) dicts[l] = (await import(`data:text/javascript,${encodeURIComponent(readFileSync(join(root, 'assets', 'i18n', `${l}.js`), 'utf8'))}`)).default;
  const missing = [...Object.keys(dicts.es).filter((k) => !(k in dicts.en)).map((k) => `en lacks ${k}`), ...Object.keys(dicts.en).filter((k) => !(k in dicts.es)).map((k) => `es lacks ${k}`)];
  expect(!missing.length, `es.js and en.js have the same keys: ${missing.join(', ')}`);
  step(`es.js and en.js have the same ${Object.keys(dicts.en).length} keys`);

  // 1. First-run setup: every path leads to it while no owner exists.
  const owner = await person('es-AR');
  await go(owner, '/books');
  await owner.waitForURL('**/setup');
  await owner.locator('h1').waitFor();
  await shot(owner, 'setup');
  // An error from the API lands next to its field, in Spanish.
  await fill(owner, { username: 'owner', password: 'x' });
  const pwErr = owner.locator('[name=password] ~ .err');
  await pwErr.waitFor();
  expect(await owner.locator('[name=password]').getAttribute('aria-invalid') === 'true', 'the password field is marked invalid');
  step(`setup refuses a short password next to the field: "${await pwErr.textContent()}"`);
  await fill(owner, { username: 'owner', password: PASSWORD });
  await owner.waitForURL('**/users');
  step('owner created by first-run setup');

  // 2. The owner creates a staff account.
  await fill(owner, { username: 'staff', password: PASSWORD, role: 'admin' }, 'form:has([name=username])');
  await owner.locator('td', { hasText: 'staff' }).first().waitFor();
  await shot(owner, 'users');
  step('owner created the staff account');

  // 3. Staff adds a genre, a book with a cover, and a product.
  const staff = await person('en-US');
  await login(staff, 'staff', '/staff/genres');
  await fill(staff, { name: 'Novela' }, 'form:has([name=description])');
  await staff.locator('li[data-genre=Novela]').waitFor();
  await go(staff, '/staff/books/new');
  await staff.locator('[name=genre_ids] option', { hasText: 'Novela' }).waitFor({ state: 'attached' });
  await fill(staff, { title: 'Cien años de soledad', authors: 'Gabriel García Márquez', isbn: '9780060883287', year: '1967', language: 'es', genre_ids: ['Novela'].map((l) => ({ label: l })), cover: { file: pngPath } });
  await staff.waitForURL(/\/books\/\d+$/);
  await staff.locator('img.cover').waitFor();
  const bookPath = new URL(staff.url()).pathname;
  await shot(staff, 'book-detail');
  await go(staff, '/staff/products');
  await fill(staff, { sku: 'CAFE-1', name: 'Café de especialidad', price_cents: '1500', stock: '10' }, 'form:has([name=sku])');
  const productLink = staff.locator('a', { hasText: 'Café de especialidad' });
  await productLink.waitFor();
  await fill(staff, { sku: 'OLD-1', name: 'Agenda 2025', price_cents: '900' }, 'form:has([name=sku])');
  await staff.locator('a', { hasText: 'Agenda 2025' }).click();
  await staff.locator('button.danger').click();
  await staff.locator('h1 .badge').waitFor();
  await go(staff, '/staff/products');
  await staff.locator('tr.deleted', { hasText: 'Agenda 2025' }).locator('.badge').waitFor();
  await shot(staff, 'staff-products');
  step('staff added a genre, a book with its cover and a product');
  await go(staff, '/books');
  await staff.locator('.card', { hasText: 'Cien años' }).waitFor();
  await shot(staff, 'catalog');

  // 4. Search-as-you-type, accent-less and mis-typed (needs /api/search from the search branch).
  const search = await staff.request.get(`${base}/api/search?q=soledad&kind=books`, { headers: { Authorization: `Bearer ${await staff.evaluate(() => localStorage.getItem('token'))}` } });
  if (search.status() === 404) {
    step('SKIPPED search-as-you-type: /api/search is not on this build yet');
  } else {
    // The index may take a moment to see the new book.
    const box = staff.locator('#search-books');
    let found = false;
    for (let i = 0; i < 20 && !found; i++) {
      await box.fill('');
      await box.pressSequentially('cien anos soledda', { delay: 20 });
      found = await staff.locator('[role=option]', { hasText: 'Cien años' }).waitFor({ timeout: 1500 }).then(() => true, () => false);
    }
    expect(found, 'typing "cien anos soledda" offers "Cien años de soledad"');
    // Keyboard: arrows move the active option (aria-activedescendant), Escape closes, the
    // arrow opens again, Enter opens the active hit.
    await box.press('ArrowDown');
    await box.press('ArrowUp');
    const active = await box.getAttribute('aria-activedescendant');
    expect(active && await staff.locator(`#${active}`).getAttribute('aria-selected') === 'true', 'the arrow keys mark the active option');
    await box.press('Escape');
    expect(await box.getAttribute('aria-expanded') === 'false' && await staff.locator('#search-books-list').isHidden(), 'Escape closes the list');
    await staff.waitForTimeout(400); // longer than the search debounce: a cleared box would have emptied the hits
    expect(await box.inputValue() === 'cien anos soledda', 'Escape keeps the typed text');
    await box.press('ArrowDown');
    expect(await box.getAttribute('aria-expanded') === 'true', 'ArrowDown opens the list again');
    await box.press('Enter');
    await staff.waitForURL(`**${bookPath}`);
    step('search-as-you-type found the book from an accent-less, mis-typed query; keyboard opened it');
  }

  // 5. A customer signs up and posts with an image; another follows and likes.
  const ana = await person('es-AR');
  await go(ana, '/signup');
  await shot(ana, 'signup');
  await fill(ana, { username: 'ana', password: PASSWORD });
  await ana.waitForURL('**/home');
  await fill(ana, { text: 'Llegaron libros nuevos al barrio 📚', image: { file: pngPath } });
  await ana.locator('.post img').waitFor();
  await shot(ana, 'home');
  const anaId = await ana.evaluate(() => fetch('/api/session', { headers: { Authorization: `Bearer ${localStorage.getItem('token')}` } }).then((r) => r.json()).then((s) => s.user.id));
  const before = await bell(ana);
  step('ana signed up and posted with an image');

  const beto = await person('en-US');
  await go(beto, '/signup');
  await fill(beto, { username: 'ana', password: PASSWORD });
  await beto.locator('[name=username][aria-invalid=true] ~ .err', { hasText: 'taken' }).waitFor();
  step('a taken username is said next to the username field');
  await fill(beto, { username: 'beto', password: PASSWORD });
  await beto.waitForURL('**/home');
  await go(beto, '/feed');
  const post = beto.locator('.post', { hasText: 'Llegaron libros' });
  await post.locator('button[aria-pressed=false]').click();
  await post.locator('button[aria-pressed=true]').waitFor();
  await shot(beto, 'feed');
  await go(beto, `/u/${anaId}`);
  await beto.locator('#follow').click();
  await beto.locator('#follow', { hasText: 'Unfollow' }).waitFor();
  await beto.locator('#followers summary', { hasText: 'Followers: 1' }).waitFor();
  await beto.locator('#followers summary').click();
  await beto.locator('#followers a', { hasText: '@beto' }).waitFor();
  await shot(beto, 'profile-other');
  step('beto liked and followed ana');

  // 6. Ana sees the notifications arrive without reloading.
  await ana.waitForFunction((n) => Number(document.querySelector('#bell-count').textContent) >= n + 2, before, { timeout: 20_000 });
  step(`ana's bell went from ${before} to ${await bell(ana)} without a reload`);
  await ana.locator('#bell').click();
  await ana.locator('.notif').first().waitFor();
  await shot(ana, 'notifications');

  // Ana edits her own post: it says "editado"; its own page shows it; beto's profile lists whom he follows.
  await go(ana, '/home');
  const mine = ana.locator('.post', { hasText: 'Llegaron libros' });
  await mine.getByRole('button', { name: 'Editar' }).click();
  await mine.locator('textarea').fill('Llegaron libros nuevos al barrio 📚 ¡y revistas!');
  await mine.locator('button[type=submit]').click();
  await mine.locator('p.text', { hasText: 'revistas' }).waitFor();
  await mine.locator('.edited', { hasText: 'editado' }).waitFor();
  await mine.locator('a.permalink').click();
  await ana.waitForURL(/\/posts\/\d+$/);
  await ana.locator('h1', { hasText: '@ana' }).waitFor();
  await ana.locator('.post p.text', { hasText: 'revistas' }).waitFor();
  expect(await ana.locator('.post .edited').isVisible(), 'the post page says the post was edited');
  await shot(ana, 'post');
  const betoId = await idOf(beto);
  await go(ana, `/u/${betoId}`);
  await ana.locator('#following summary', { hasText: 'Seguidos: 1' }).waitFor();
  await ana.locator('#followers summary', { hasText: 'Seguidores: 0' }).waitFor();
  await ana.locator('#following summary').click();
  await ana.locator('#following a', { hasText: '@ana' }).waitFor();
  step('ana edited her post (marked edited), opened its own page; profiles list followers and following with counts');

  // 7. Staff changes a price; the owner's open page counts it.
  const ownerBefore = await bell(owner);
  await go(staff, '/staff/products');
  await productLink.click();
  await staff.waitForURL(/\/staff\/products\/\d+$/);
  await fill(staff, { price_cents: '1750' });
  await staff.locator('li', { hasText: '→' }).waitFor();
  await shot(staff, 'product-admin');
  await owner.waitForFunction((n) => Number(document.querySelector('#bell-count').textContent) > n, ownerBefore, { timeout: 20_000 });
  step(`staff changed a price; the owner's bell went from ${ownerBefore} to ${await bell(owner)}`);

  // 8. A customer cannot reach staff or owner pages, even by URL.
  for (const path of ['/staff/products', '/staff/books/new', '/users', '/owner']) {
    await go(ana, path);
    await ana.locator('h1').waitFor();
    expect(await ana.locator('form').count() === 0, `no form on ${path} for a customer`);
    expect(await ana.locator('[role=alert]').count() === 1, `a not-allowed message on ${path}`);
    expect(!(await ana.locator('#nav').textContent()).includes('Productos'), 'no staff links in the customer nav');
  }
  await shot(ana, 'forbidden');
  step('a customer is refused staff and owner pages by URL');

  // Courses: staff opens one, a member enrols.
  await go(staff, '/courses');
  await fill(staff, { title: 'Taller de encuadernación', starts_at: '2030-03-02T18:00', ends_at: '2030-03-30T20:00', capacity: '1', price_cents: '0' }, 'form:has([name=starts_at])');
  await staff.locator('.card', { hasText: 'Taller de encuadernación' }).waitFor();
  await go(ana, '/courses');
  await ana.locator('.card', { hasText: 'Taller' }).locator('button').click();
  await ana.locator('.card [role=status]').waitFor();
  await shot(ana, 'courses');
  await go(beto, '/courses');
  await beto.locator('.card', { hasText: 'Taller' }).locator('button').click();
  await beto.locator('.card [role=status]', { hasText: 'number 1 on the waiting list' }).waitFor();
  step('staff opened a one-seat course; a member enrolled, another is first on the waiting list');
  // Staff sees who is in and who waits, edits the course, then cancels it.
  await staff.locator('.card a', { hasText: 'Taller de encuadernación' }).click();
  await staff.waitForURL(/\/courses\/\d+$/);
  await staff.locator('#enrolled td', { hasText: '@ana' }).waitFor();
  await staff.locator('#waiting tr', { hasText: '@beto' }).locator('td', { hasText: /^1$/ }).waitFor();
  await shot(staff, 'course-detail');
  await fill(staff, { title: 'Taller de encuadernación II', ends_at: '2030-03-02T17:00' }, 'form:has([name=starts_at])');
  await staff.locator('[name=ends_at][aria-invalid=true] ~ .err').waitFor();
  await fill(staff, { title: 'Taller de encuadernación II', ends_at: '2030-03-30T20:00' }, 'form:has([name=starts_at])');
  await staff.locator('h1', { hasText: 'Taller de encuadernación II' }).waitFor();
  await staff.getByRole('button', { name: 'Cancel the course' }).click();
  await staff.locator('#course-status', { hasText: 'cancelled' }).waitFor();
  expect(await staff.getByRole('button', { name: 'Cancel the course' }).count() === 0, 'a cancelled course offers no cancel');
  step('staff saw the enrolment and waiting lists, edited the course (bad dates refused at their field) and cancelled it');

  // Remaining main pages, for the screenshots.
  // Deliveries: clients, places, a courier, then a travel planned, assigned and edited.
  await go(staff, '/staff/clients');
  await fill(staff, { name: 'Marta Díaz', phone: 'call me' }, 'form:has([name=phone])');
  await staff.locator('[name=phone][aria-invalid=true] ~ .err').waitFor();
  await fill(staff, { name: 'Marta Díaz', phone: '+54 351 555-1234' }, 'form:has([name=phone])');
  await staff.locator('td a', { hasText: 'Marta Díaz' }).click();
  await staff.waitForURL(/\/staff\/clients\/\d+$/);
  const clientId = Number(new URL(staff.url()).pathname.split('/').pop());
  await fill(staff, { notes: 'Timbre 2B', user_id: [{ label: 'ana' }] });
  await staff.waitForURL('**/staff/clients');
  await staff.locator('tr', { hasText: 'Marta Díaz' }).locator('td', { hasText: '@ana' }).waitFor();
  await shot(staff, 'clients');
  expect((await apiAs(staff, 'GET', `/api/clients/${clientId}`)).notes === 'Timbre 2B', 'the client edit is saved');
  await go(staff, '/staff/locations');
  await fill(staff, { label: 'Tienda', street: 'Av. Colón 100', city: 'Córdoba' }, 'form:has([name=label])');
  await staff.locator('td a', { hasText: 'Tienda' }).waitFor();
  await fill(staff, { label: 'Casa de Marta', street: 'Bv. San Juan 500', city: 'Córdoba', lat: '91', client_id: [{ label: 'Marta Díaz' }] }, 'form:has([name=label])');
  await staff.locator('[name=lat][aria-invalid=true]').waitFor();
  await fill(staff, { lat: '-31.42', lng: '-64.18' }, 'form:has([name=label])');
  await staff.locator('tr', { hasText: 'Casa de Marta' }).locator('td', { hasText: 'Marta Díaz' }).waitFor();
  await shot(staff, 'locations');
  await go(staff, '/staff/resources');
  await fill(staff, { name: 'Bici 1', kind: 'bicycle', capacity: '4' }, 'form:has([name=kind])');
  await staff.locator('tr', { hasText: 'Bici 1' }).locator('td', { hasText: 'Bicycle' }).waitFor();
  await staff.locator('td a', { hasText: 'Bici 1' }).click();
  await staff.waitForURL(/\/staff\/resources\/\d+$/);
  await fill(staff, { name: 'Bici roja', courier_id: [{ label: 'beto' }] });
  await staff.locator('tr', { hasText: 'Bici roja' }).locator('td', { hasText: '@beto' }).waitFor();
  await shot(staff, 'resources');
  await go(staff, '/staff/deliveries');
  const travelForm = 'form:has([name=window_start])';
  await fill(staff, { client_id: [{ label: 'Marta Díaz' }], from_location_id: [{ label: 'Tienda' }], to_location_id: [{ label: 'Casa de Marta' }], window_start: '2030-05-02T10:00', window_end: '2030-05-02T09:00' }, travelForm);
  await staff.locator('[name=window_end][aria-invalid=true] ~ .err').waitFor();
  await fill(staff, { window_end: '2030-05-02T12:00', notes: 'Dos libros' }, travelForm);
  const travelRow = staff.locator('tr[data-travel]', { hasText: 'Dos libros' });
  await travelRow.locator('td.status', { hasText: 'planned' }).waitFor();
  await fill(staff, { status: 'assigned', resource_id: [{ label: 'Bici roja' }] }, 'tr[data-travel] form');
  await travelRow.locator('td.status', { hasText: 'assigned' }).waitFor();
  await travelRow.locator('td', { hasText: 'Bici roja' }).waitFor();
  await travelRow.locator('a').first().click();
  await staff.waitForURL(/\/staff\/travels\/\d+$/);
  await staff.locator('#travel-status', { hasText: 'assigned' }).waitFor();
  await fill(staff, { notes: 'Dos libros y una agenda' }, travelForm);
  await staff.waitForURL('**/staff/deliveries');
  await staff.locator('tr[data-travel]', { hasText: 'Dos libros y una agenda' }).waitFor();
  await shot(staff, 'deliveries');
  step('staff created and edited a client, places, a courier; planned, assigned and edited a travel (bad fields refused at their field)');
  // The courier (beto) moves it along; the client's member account (ana) follows it.
  await go(beto, '/deliveries');
  const betoTravel = beto.locator('tr[data-travel]', { hasText: 'Dos libros y una agenda' });
  await betoTravel.getByRole('button', { name: 'Mark on the way' }).click();
  await betoTravel.locator('td.status', { hasText: 'on the way' }).waitFor();
  await shot(beto, 'my-deliveries');
  await go(ana, '/deliveries');
  await ana.locator('tr[data-travel]', { hasText: 'Casa de Marta' }).locator('td.status', { hasText: 'en camino' }).waitFor();
  expect(await ana.locator('tr[data-travel] button').count() === 0, 'the client member cannot move the travel');
  await go(staff, '/staff/deliveries');
  await fill(staff, { status: 'delivered' }, 'tr[data-travel] form');
  await travelRow.locator('td.status', { hasText: 'delivered' }).waitFor();
  await travelRow.locator('td', { hasText: 'Finished' }).waitFor();
  step('the courier marked the travel on the way from "My deliveries"; the client member sees it; staff marked it delivered');
  const anon = await person('en-US');
  await go(anon, '/');
  await anon.locator('.card', { hasText: 'Café' }).waitFor();
  expect(await anon.locator('.card', { hasText: 'Agenda 2025' }).count() === 0, 'the store hides a deleted product');
  await shot(anon, 'store');
  await go(anon, '/login');
  await shot(anon, 'login');
  await go(owner, '/owner');
  await owner.locator('#backup').waitFor();
  await shot(owner, 'owner');
  const [download] = await Promise.all([owner.waitForEvent('download'), owner.locator('#backup').click()]);
  const backupFile = join(tmp, 'backup.redb');
  await download.saveAs(backupFile);
  const { statSync } = await import('node:fs');
  expect(download.suggestedFilename().endsWith('.redb') && statSync(backupFile).size > 0, 'the owner downloads a backup file');
  step(`the owner downloaded a backup (${statSync(backupFile).size} bytes)`);
  await go(staff, '/staff/inventory');
  await staff.locator('[name=book_id] option', { hasText: 'Cien años' }).waitFor({ state: 'attached' });
  await fill(staff, { book_id: [{ label: 'Cien años de soledad' }], shelf: 'A3', quantity: '2' }, 'form:has([name=shelf])');
  await staff.locator('td', { hasText: 'A3' }).waitFor();
  await shot(staff, 'inventory');
  await go(staff, bookPath);
  await staff.locator('td', { hasText: 'A3' }).waitFor();
  await shot(staff, 'book-detail');
  step('staff added an inventory line; the book shows it');

  // Catalog filters and sort (the books list API's author, year, language, in_stock, sort).
  await apiAs(staff, 'POST', '/api/books', { title: 'Rayuela', authors: ['Julio Cortázar'], isbn: isbn13('978843760457'), year: 1963, language: 'es' });
  await apiAs(staff, 'POST', '/api/books', { title: 'A Tale of Two Cities', authors: ['Charles Dickens'], isbn: isbn13('978014143960'), year: 1859, language: 'en' });
  await go(staff, '/books');
  await staff.locator('#books .card', { hasText: 'Rayuela' }).waitFor();
  expect((await cardTitles(staff)).join('|') === 'A Tale of Two Cities|Cien años de soledad|Rayuela', 'title order by default');
  await fill(staff, { author: 'garcia marq' }, 'form.toolbar');
  await staff.waitForURL(/author=garcia/);
  await staff.locator('#books .card', { hasText: 'Cien años' }).waitFor();
  expect((await cardTitles(staff)).length === 1, 'the author filter keeps only García Márquez');
  await go(staff, '/books');
  await fill(staff, { sort: 'year' }, 'form.toolbar');
  await staff.waitForURL(/sort=year/);
  await staff.locator('#books').waitFor();
  expect((await cardTitles(staff)).join('|') === 'A Tale of Two Cities|Rayuela|Cien años de soledad', 'sort by year, oldest first');
  await fill(staff, { year_from: '1900', year_to: '1965' }, 'form.toolbar');
  await staff.waitForURL(/year_to=1965/);
  await staff.locator('#books .card', { hasText: 'Rayuela' }).waitFor();
  expect((await cardTitles(staff)).join('|') === 'Rayuela', 'years 1900 to 1965');
  await go(staff, '/books?language=en');
  await staff.locator('#books .card', { hasText: 'Tale' }).waitFor();
  expect((await cardTitles(staff)).length === 1, 'language en');
  await go(staff, '/books');
  await fill(staff, { in_stock: 'true' }, 'form.toolbar');
  await staff.waitForURL(/in_stock=true/);
  await staff.locator('#books .card', { hasText: 'Cien años' }).waitFor();
  expect((await cardTitles(staff)).length === 1, 'only books with copies');
  await shot(staff, 'catalog-filtered');
  step('catalog filters (author, years, language, in stock) and sorts work through the books API');

  // Staff edits a product's SKU, currency and inventory link.
  await go(staff, '/staff/products');
  await productLink.click();
  await staff.waitForURL(/\/staff\/products\/\d+$/);
  const productId = Number(new URL(staff.url()).pathname.split('/').pop());
  await fill(staff, { sku: 'bad sku!' });
  await staff.locator('[name=sku][aria-invalid=true] ~ .err').waitFor();
  await fill(staff, { sku: 'CAFE-2', currency: 'USD', inventory_item_id: [{ index: 1 }] });
  await staff.waitForFunction(() => document.querySelector('[name=sku]')?.value === 'CAFE-2' && document.querySelector('[name=inventory_item_id]')?.value !== '');
  const edited = await apiAs(staff, 'GET', `/api/products/${productId}`);
  expect(edited.sku === 'CAFE-2' && edited.currency === 'USD' && edited.inventory_item_id != null, 'SKU, currency and inventory link saved');
  step('staff changed a product SKU, currency and inventory line (a bad SKU refused at its field)');
  await go(ana, '/profile');
  await ana.locator('[name=new_password]').waitFor();
  await shot(ana, 'profile');
  // Her own e-mail notification preferences.
  await ana.locator('[name=notify_price_changed]').uncheck();
  await ana.locator('form:has([name=notify_price_changed]) button[type=submit]').click();
  await ana.locator('form:has([name=notify_price_changed]) [role=status]').waitFor();
  await ana.reload();
  await ana.locator('[name=notify_price_changed]').waitFor();
  expect(!(await ana.locator('[name=notify_price_changed]').isChecked()) && await ana.locator('[name=notify_post_liked]').isChecked(), 'the preference is kept after a reload');
  expect((await apiAs(ana, 'GET', `/api/users/${anaId}`)).email_notifications.price_changed === false, 'the API has the preference');
  step('ana turned off price-change e-mails; the profile keeps it');

  // The owner resets beto's password; beto's session ends and the new password works.
  await go(owner, '/users');
  const betoRow = owner.locator('tr[data-user=beto]');
  await betoRow.locator('summary').click();
  await fill(owner, { new_password: 'x' }, 'tr[data-user=beto] form:has([name=new_password])');
  await betoRow.locator('[name=new_password][aria-invalid=true]').waitFor();
  await fill(owner, { new_password: 'beto reset secret' }, 'tr[data-user=beto] form:has([name=new_password])');
  await betoRow.locator('[role=status]').waitFor();
  await shot(owner, 'users-reset');
  await go(beto, '/home');
  await beto.waitForURL('**/login**');
  await fill(beto, { username: 'beto', password: 'beto reset secret' });
  await beto.waitForURL('**/home');
  step('the owner reset beto\'s password (short one refused at its field); beto logged in with the new one');

  // An expired token sends the person to log in, and back.
  await ana.evaluate(() => localStorage.setItem('token', 'expired.token.value'));
  await go(ana, '/notifications');
  await ana.waitForURL('**/login**');
  await fill(ana, { username: 'ana', password: PASSWORD });
  await ana.waitForURL('**/notifications');
  step('a bad token led to login and back');

  // The language switch is remembered.
  await go(anon, '/');
  await anon.locator('#lang').selectOption('es');
  await anon.locator('h1', { hasText: 'Tienda' }).waitFor();
  await anon.reload();
  await anon.locator('h1', { hasText: 'Tienda' }).waitFor();
  step('the language switch changes the text and is remembered');

  // Own profile: a wrong current password is said at its field; a good change logs out.
  await go(ana, '/profile');
  await fill(ana, { current_password: 'not my password', new_password: 'a brand new secret' }, 'form:has([name=new_password])');
  await ana.locator('[name=current_password][aria-invalid=true]').waitFor();
  await fill(ana, { current_password: PASSWORD, new_password: 'a brand new secret' }, 'form:has([name=new_password])');
  await ana.waitForURL('**/login**');
  await fill(ana, { username: 'ana', password: 'a brand new secret' });
  await ana.waitForURL('**/profile');
  step('password change: wrong current password refused at its field; new one works');

  if (errors.length) throw new Error(`JavaScript errors in the page:\n${errors.join('\n')}`);
  step(`all scenarios passed; accessibility audit clean on ${audited.length} pages: ${[...new Set(audited)].join(', ')}`);
} catch (e) {
  console.error(`FAILED: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
