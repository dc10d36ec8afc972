// The public store: products anyone may buy.

import { h, link, put } from '../../dom.js';
import { api } from '../../api.js';
import { fold, money } from '../../format.js';
import { searchBox } from '../../components/search-box.js';
import { t } from '../../i18n.js';

async function fallbackProducts(q) {
  const f = fold(q);
  const { items } = await api('GET', '/api/products?limit=200');
  return items.filter((p) => fold(`${p.name} ${p.description || ''}`).includes(f)).slice(0, 8).map((p) => ({ kind: 'product', id: p.id, title: p.name, snippet: money(p.price_cents, p.currency) }));
}
export async function render(root) {
  put(root, h('h1', {}, t('store.title')), searchBox('products', 'store.search', fallbackProducts));
  const { items } = await api('GET', '/api/products?limit=60');
  put(root, items.length ? h('div', { class: 'grid' }, items.map((p) => h('article', { class: 'card' },
    h('h2', { class: 'h3' }, link(`/products/${p.id}`, p.name)), h('p', {}, h('strong', {}, money(p.price_cents, p.currency))), p.description ? h('p', { class: 'muted' }, p.description) : null)))
    : h('p', {}, t('store.empty')));
}
