// Clients, places (locations) and resources (couriers and vehicles): the same list, create,
// edit and delete page over their API; the route gives `kind` and, to edit one, `id`.

import { h, link, put } from '../../dom.js';
import { all, api } from '../../api.js';
import { confirmBtn, field, form, num, opt, userOptions } from '../../components/form.js';
import { table } from '../../components/table.js';
import { t } from '../../i18n.js';
import { navigate, render as rerender } from '../../router.js';
import { deliveriesNav } from './shared.js';

const RESOURCE_KINDS = ['bicycle', 'motorbike', 'van', 'car', 'on_foot'];
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
export async function render(root, { kind, id }) {
  return id ? edit(root, kind, id) : list(root, kind);
}
async function list(root, kind) {
  const spec = DELIVERY[kind];
  const [items, x] = await Promise.all([all(spec.api), spec.load()]);
  put(root, h('h1', {}, t(`deliveries.${kind}`)), deliveriesNav(`/staff/${kind}`),
    items.length ? table([t('f.name'), ...spec.heads.map((k) => t(k))], items.map((it) => [link(`/staff/${kind}/${it.id}`, spec.name(it)), ...spec.cols(it, x)])) : h('p', {}, t('deliveries.none')),
    h('h2', {}, t(`deliveries.add.${kind}`)),
    form(spec.fields({}, x), `deliveries.add.${kind}`, async (v) => { await api('POST', spec.api, spec.body(v)); rerender(); }));
}
async function edit(root, kind, id) {
  const spec = DELIVERY[kind];
  const [it, x] = await Promise.all([api('GET', `${spec.api}/${id}`), spec.load()]);
  put(root, h('h1', {}, spec.name(it)), deliveriesNav(`/staff/${kind}`),
    form(spec.fields(it, x), 'save', async (v) => { await api('PATCH', `${spec.api}/${id}`, spec.body(v)); navigate(`/staff/${kind}`); },
      { extra: [confirmBtn('delete', 'confirm.delete', async () => { await api('DELETE', `${spec.api}/${id}`); navigate(`/staff/${kind}`); })] }));
}
