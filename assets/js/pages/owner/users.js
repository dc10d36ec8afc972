// Accounts, for the owner: roles, password resets, removal, new staff.

import { h, link, put } from '../../dom.js';
import { api } from '../../api.js';
import { confirmBtn, field, form, inlineForm, opt } from '../../components/form.js';
import { table } from '../../components/table.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';
import { me } from '../../session.js';

export async function render(root) {
  const { items } = await api('GET', '/api/users?limit=200');
  const roles = ['user', 'admin', 'super_admin'].map((r) => [r, t(`role.${r}`)]);
  put(root, h('h1', {}, t('users.title')), h('p', { class: 'rules', role: 'note' }, t('users.rules')),
    table([t('f.username'), t('f.role'), t('users.password'), ''], items.map((u) => {
      const f = inlineForm(form([field('role', 'f.role', { options: roles, value: u.role })], 'users.change', async (v) => { await api('PATCH', `/api/users/${u.id}`, { role: v.role }); rerender(); }));
      // The owner resets someone else's password (the API revokes that account's sessions);
      // their own goes through the profile page, with the current one.
      const reset = u.id === me.id ? link('/profile', t('users.own_password')) : h('details', { class: 'reset' }, h('summary', {}, t('users.reset')),
        inlineForm(form([field('new_password', 'f.new_password', { type: 'password', required: true, autocomplete: 'new-password' })], 'users.reset.submit', async (v, rf) => {
          await api('PUT', `/api/users/${u.id}/password`, { new_password: v.new_password });
          rf.reset();
          rf.append(h('p', { role: 'status' }, t('users.reset.done', { u: u.username })));
        })));
      return h('tr', { 'data-user': u.username }, h('td', {}, link(`/u/${u.id}`, u.username)), h('td', {}, f), h('td', {}, reset),
        h('td', {}, u.id === me.id ? '' : confirmBtn('users.delete', 'users.confirm', async () => { await api('DELETE', `/api/users/${u.id}`); rerender(); })));
    })),
    h('h2', {}, t('users.create')),
    form([field('username', 'f.username', { required: true, autocomplete: 'off' }), field('password', 'f.password', { type: 'password', required: true, autocomplete: 'new-password' }), field('email', 'f.email', { type: 'email' }),
      field('role', 'f.role', { options: roles, value: 'admin' })], 'users.create', async (v) => {
      await api('POST', '/api/users', { username: v.username, password: v.password, email: opt(v.email), role: v.role });
      rerender();
    }));
}
