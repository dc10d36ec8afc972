// Search as you type over `/api/search`: a combobox (ARIA 1.2 pattern) whose options open
// the hit's page.

import { h } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';

/** A combobox over `/api/search`; `fallback(q)` answers while search is not on the server. */
export function searchBox(kind, labelKey, fallback) {
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
