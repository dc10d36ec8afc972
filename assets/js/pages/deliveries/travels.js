// Travels for staff: the list with their next moves, and a new one.

import { h, link, put } from '../../dom.js';
import { all, api } from '../../api.js';
import { when } from '../../format.js';
import { form, need, num } from '../../components/form.js';
import { table } from '../../components/table.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';
import { deliveriesNav, moveForm, travelBody, travelContext, travelFields } from './shared.js';

export async function render(root) {
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
    rerender();
  }));
}
