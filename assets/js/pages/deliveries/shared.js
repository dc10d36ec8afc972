// Pieces the delivery pages share: the section tabs, the travel form and its moves.

import { h, link } from '../../dom.js';
import { all, api } from '../../api.js';
import { isoFromLocal, toLocalInput } from '../../format.js';
import { field, form, inlineForm, num, opt } from '../../components/form.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';

/** The travel state machine as the API enforces it (src/deliveries/model.rs), to offer only possible moves. */
const TRAVEL_NEXT = { planned: ['assigned', 'cancelled'], assigned: ['on_the_way', 'cancelled'], on_the_way: ['delivered', 'cancelled'], delivered: [], cancelled: [] };
export function deliveriesNav(current) {
  return h('nav', { class: 'tabs', 'aria-label': t('deliveries.sections') }, [['/staff/deliveries', 'deliveries.travels'], ['/staff/clients', 'deliveries.clients'], ['/staff/locations', 'deliveries.locations'], ['/staff/resources', 'deliveries.resources']]
    .map(([href, key]) => link(href, t(key), { 'aria-current': href === current ? 'page' : null })));
}
export async function travelContext() {
  const [clients, locations, resources] = await Promise.all([all('/api/clients'), all('/api/locations'), all('/api/resources')]);
  const name = (list, id, key = 'name') => (list.find((x) => x.id === id) || {})[key] || (id ? `#${id}` : '—');
  return { clients, locations, resources, client: (id) => name(clients, id), place: (id) => name(locations, id, 'label'), resource: (id) => name(resources, id) };
}
export function travelFields(tr, x) {
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
export const travelBody = (v) => ({ client_id: num(v.client_id), from_location_id: num(v.from_location_id), to_location_id: num(v.to_location_id), window_start: isoFromLocal(v.window_start), window_end: isoFromLocal(v.window_end), notes: opt(v.notes) });
/** The possible next statuses of a travel; a planned one picks its resource to be assigned. */
export function moveForm(tr, x) {
  const next = TRAVEL_NEXT[tr.status] || [];
  if (!next.length) return h('span', { class: 'muted' }, t('deliveries.final'));
  const fields = [field('status', 'deliveries.move', { options: next.map((s) => [s, t(`deliveries.status.${s}`)]) })];
  if (tr.status === 'planned') fields.push(field('resource_id', 'f.resource', { options: [['', '—'], ...x.resources.filter((r) => r.active).map((r) => [r.id, r.name])], value: tr.resource_id }));
  return inlineForm(form(fields, 'deliveries.move', async (v) => {
    // Only a move to `assigned` names its resource.
    await api('POST', `/api/travels/${tr.id}/status`, v.status === 'assigned' ? { status: v.status, resource_id: num(v.resource_id) ?? tr.resource_id ?? null } : { status: v.status });
    rerender();
  }));
}
