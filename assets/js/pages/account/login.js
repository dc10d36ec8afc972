import { h, link, put } from '../../dom.js';
import { signIn } from '../../auth.js';
import { field, form } from '../../components/form.js';
import { t } from '../../i18n.js';

export async function render(root, _p, q) {
  put(root, h('h1', {}, t('login.title')));
  if (q.get('expired')) put(root, h('p', { role: 'status' }, t('login.expired')));
  put(root, form([field('username', 'f.username', { required: true, autocomplete: 'username' }), field('password', 'f.password', { type: 'password', required: true, autocomplete: 'current-password' })],
    'login.submit', (v) => signIn(v.username, v.password, q.get('next') || '/')),
  h('p', {}, link('/signup', t('nav.signup'))));
}
