// A product for staff: edit, delete, its price history and its views.

import { h, put } from '../../dom.js';
import { api } from '../../api.js';
import { money, when } from '../../format.js';
import { barChart } from '../../components/chart.js';
import { confirmBtn, form } from '../../components/form.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';
import { inventoryChoices, productBody, productFields } from './shared.js';

export async function render(root, { id }) {
  const [p, prices, views] = await Promise.all([api('GET', `/api/products/${id}?include_deleted=true`).catch(() => api('GET', `/api/products/${id}`)), api('GET', `/api/products/${id}/prices?limit=200`), api('GET', `/api/products/${id}/views`)]);
  put(root, h('h1', {}, p.name, p.deleted_at ? [' ', h('span', { class: 'badge' }, t('products.deleted'))] : null));
  const choices = await inventoryChoices();
  put(root, form(productFields(p, choices), 'products.save', async (v) => {
    const body = productBody(v);
    if (body.currency == null) delete body.currency;
    await api('PATCH', `/api/products/${id}`, body);
    rerender();
  }, { extra: p.deleted_at ? [] : [confirmBtn('products.delete', 'books.confirm', async () => { await api('DELETE', `/api/products/${id}`); rerender(); })] }));
  put(root, h('h2', {}, t('products.prices')), prices.items.length ? h('ul', {}, prices.items.map((c) => h('li', {}, `${when(c.at)}: ${money(c.old_cents, p.currency)} → ${money(c.new_cents, p.currency)}`))) : h('p', {}, t('products.noprices')));
  put(root, h('h2', {}, t('products.views')), h('p', {}, t('products.views_total', { n: views.total, v: views.unique_visitors, u: views.unique_users })), views.per_day.length ? barChart(views.per_day.slice(-30)) : h('p', {}, t('products.noviews')));
}
