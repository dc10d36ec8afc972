import { h, link, put } from '../../dom.js';
import { api } from '../../api.js';
import { signIn } from '../../auth.js';
import { field, form, opt } from '../../components/form.js';
import { t } from '../../i18n.js';

export async function render(root, _p, q) {
  put(root, h('h1', {}, t('signup.title')),
    form([field('username', 'f.username', { required: true, autocomplete: 'username' }), field('password', 'f.password', { type: 'password', required: true, autocomplete: 'new-password' }),
      field('email', 'f.email', { type: 'email' }), field('display_name', 'f.display_name')], 'signup.submit', async (v) => {
      await api('POST', '/api/users', { username: v.username, password: v.password, email: opt(v.email), display_name: opt(v.display_name) });
      await signIn(v.username, v.password, q.get('next') || '/home');
    }),
    h('p', {}, t('signup.have'), ' ', link('/login', t('nav.login'))));
}
