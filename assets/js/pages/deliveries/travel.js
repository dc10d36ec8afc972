// One travel for staff: move it, edit it, its history.

import { h, put } from '../../dom.js';
import { api } from '../../api.js';
import { when } from '../../format.js';
import { confirmBtn, form, need, num } from '../../components/form.js';
import { t } from '../../i18n.js';
import { navigate } from '../../router.js';
import { deliveriesNav, moveForm, travelBody, travelContext, travelFields } from './shared.js';

export async function render(root, { id }) {
  const [tr, x] = await Promise.all([api('GET', `/api/travels/${id}`), travelContext()]);
  put(root, h('h1', {}, t('deliveries.travel', { n: tr.id })), deliveriesNav('/staff/deliveries'),
    h('p', {}, h('strong', { id: 'travel-status' }, t(`deliveries.status.${tr.status}`)), ' ', moveForm(tr, x)),
    form(travelFields(tr, x), 'save', async (v) => {
      need(v, 'client_id', 'from_location_id', 'to_location_id');
      const body = travelBody(v);
      // null would try to unassign, which the API refuses: a resource is only ever (re)assigned.
      if (v.resource_id !== '' && num(v.resource_id) !== tr.resource_id) body.resource_id = num(v.resource_id);
      await api('PATCH', `/api/travels/${id}`, body);
      navigate('/staff/deliveries');
    }, { extra: [confirmBtn('delete', 'confirm.delete', async () => { await api('DELETE', `/api/travels/${id}`); navigate('/staff/deliveries'); })] }),
    h('h2', {}, t('deliveries.history')), h('ol', {}, tr.history.map((e) => h('li', {}, `${when(e.at)}: ${t(`deliveries.status.${e.status}`)}`))));
}
