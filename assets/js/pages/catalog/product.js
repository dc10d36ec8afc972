import { h, link, put } from '../../dom.js';
import { api } from '../../api.js';
import { money } from '../../format.js';
import { t } from '../../i18n.js';
import { isStaff } from '../../session.js';

export async function render(root, { id }) {
  const p = await api('GET', `/api/products/${id}`);
  put(root, h('h1', {}, p.name), h('p', {}, h('strong', {}, money(p.price_cents, p.currency))), p.description ? h('p', {}, p.description) : null,
    isStaff() ? h('p', {}, link(`/staff/products/${p.id}`, t('edit'))) : null);
}
