// One's own account: e-mail and name, which notifications also come by e-mail, password.

import { h, link, put } from '../../dom.js';
import { api } from '../../api.js';
import { forget } from '../../auth.js';
import { confirmBtn, field, form, opt } from '../../components/form.js';
import { t } from '../../i18n.js';
import { navigate } from '../../router.js';
import { me } from '../../session.js';

export async function render(root) {
  const u = await api('GET', `/api/users/${me.id}`);
  put(root, h('h1', {}, t('profile.title')), h('p', {}, h('strong', {}, u.username), ' · ', t('profile.role', { role: t(`role.${u.role}`) })));
  // Staff accounts cannot edit themselves (DESIGN.md): only their password.
  if (me.role !== 'admin') {
    put(root, form([field('email', 'f.email', { type: 'email', value: u.email }), field('display_name', 'f.display_name', { value: u.display_name })], 'profile.save', async (v, f) => {
      await api('PATCH', `/api/users/${me.id}`, { email: opt(v.email), display_name: opt(v.display_name) });
      f.append(h('p', { role: 'status' }, t('profile.saved')));
    }));
  }
  // Which notifications also come by e-mail: one switch per kind the server knows.
  if (me.role !== 'admin') {
    const order = ['welcome', 'new_follower', 'post_liked', 'price_changed', 'enrolled', 'waitlist_promoted', 'course_rescheduled', 'course_cancelled', 'delivery_on_the_way', 'delivery_delivered', 'travel_cancelled'];
    const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
    const kinds = Object.keys(u.email_notifications || {}).sort((a, b) => rank(a) - rank(b));
    put(root, h('h2', {}, t('prefs.title')), form([h('fieldset', { class: 'prefs' }, h('legend', {}, t('prefs.legend')),
      kinds.map((k) => field(`notify_${k}`, `notifkind.${k}`, { type: 'checkbox', value: u.email_notifications[k] })))], 'prefs.save', async (v, f) => {
      const body = Object.fromEntries(kinds.map((k) => [k, v[`notify_${k}`]]));
      await api('PATCH', `/api/users/${me.id}`, { email_notifications: body });
      f.append(h('p', { role: 'status' }, t('profile.saved')));
    }, { aliases: { email_notifications: `notify_${kinds[0]}` } }));
  }
  put(root, h('p', {}, link(`/u/${me.id}`, t('profile.public'))), h('h2', {}, t('profile.password')),
    form([field('current_password', 'f.current_password', { type: 'password', required: true, autocomplete: 'current-password' }), field('new_password', 'f.new_password', { type: 'password', required: true, autocomplete: 'new-password' })],
      'profile.password.submit', async (v) => {
        await api('PUT', `/api/users/${me.id}/password`, v, { noExpire: true });
        forget();
        navigate('/login?expired=1&next=/profile', true);
      }));
  if (me.role === 'user') {
    put(root, h('p', {}, confirmBtn('profile.delete', 'users.confirm', async () => {
      await api('DELETE', `/api/users/${me.id}`);
      forget(); navigate('/');
    })));
  }
}
