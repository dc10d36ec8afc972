// A member's own deliveries (as a client) and a courier's travels, which the courier moves along.

import { h, put } from '../../dom.js';
import { all, api, errText } from '../../api.js';
import { when } from '../../format.js';
import { table } from '../../components/table.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';
import { me } from '../../session.js';

export async function render(root) {
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
        try { await api('POST', `/api/travels/${tr.id}/status`, { status: next }); rerender(); }
        catch (e) { ev.target.after(h('p', { class: 'form-err', role: 'alert' }, errText(e))); }
      } }, t(`mydeliveries.mark.${next}`)) : '';
      return h('tr', { 'data-travel': tr.id }, h('td', {}, `#${tr.id}`), h('td', {}, clients[tr.client_id]?.name || '—'), h('td', {}, `${place(tr.from_location_id)} → ${place(tr.to_location_id)}`),
        h('td', {}, `${when(tr.window_start)} → ${when(tr.window_end)}`, tr.notes ? [h('br'), h('span', { class: 'muted' }, tr.notes)] : null), h('td', { class: 'status' }, t(`deliveries.status.${tr.status}`)), h('td', {}, btn));
    })) : h('p', {}, t('mydeliveries.empty')));
}
