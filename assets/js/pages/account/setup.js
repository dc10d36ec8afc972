// First-run setup: creates the owner while no super_admin exists.

import { h, put } from '../../dom.js';
import { api } from '../../api.js';
import { signIn } from '../../auth.js';
import { field, form, opt } from '../../components/form.js';
import { t } from '../../i18n.js';
import { navigate } from '../../router.js';
import { setSetupNeeded } from '../../session.js';

export async function render(root) {
  const { needed } = await api('GET', '/api/setup');
  setSetupNeeded(needed);
  if (!needed) return navigate('/', true);
  put(root, h('h1', {}, t('setup.title')), h('p', {}, t('setup.intro')),
    form([field('username', 'f.username', { required: true, autocomplete: 'username' }), field('password', 'f.password', { type: 'password', required: true, autocomplete: 'new-password' }),
      field('email', 'f.email', { type: 'email' }), field('display_name', 'f.display_name')], 'setup.submit', async (v) => {
      await api('POST', '/api/setup', { username: v.username, password: v.password, email: opt(v.email), display_name: opt(v.display_name) });
      setSetupNeeded(false);
      await signIn(v.username, v.password, '/users');
    }));
}
