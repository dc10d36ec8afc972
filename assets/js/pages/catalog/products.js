// Products for staff, deleted ones included, and a new one.

import { h, link, put } from '../../dom.js';
import { api } from '../../api.js';
import { money } from '../../format.js';
import { form } from '../../components/form.js';
import { table } from '../../components/table.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';
import { inventoryChoices, productBody, productFields } from './shared.js';

export async function render(root) {
  const [{ items }, choices] = await Promise.all([api('GET', '/api/products?include_deleted=true&limit=200'), inventoryChoices()]);
  put(root, h('h1', {}, t('products.title')),
    table(['f.sku', 'f.name', 'f.price', 'f.stock'].map((k) => t(k)), items.map((p) => h('tr', { class: p.deleted_at ? 'deleted' : null }, h('td', {}, p.sku),
      h('td', {}, link(`/staff/products/${p.id}`, p.name), p.deleted_at ? [' ', h('span', { class: 'badge' }, t('products.deleted'))] : null),
      h('td', {}, money(p.price_cents, p.currency)), h('td', {}, p.stock)))),
    h('h2', {}, t('products.add')),
    form(productFields({}, choices), 'products.add', async (v) => {
      await api('POST', '/api/products', productBody(v));
      rerender();
    }));
}
