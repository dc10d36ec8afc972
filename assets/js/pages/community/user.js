// Someone's profile: follow or unfollow, their followers and follows, their posts.

import { announce, h, put } from '../../dom.js';
import { api, errText } from '../../api.js';
import { t } from '../../i18n.js';
import { me } from '../../session.js';
import { followList, postList } from './shared.js';

export async function render(root, { id }) {
  const [u, following, theirFollowers, theirFollowing] = await Promise.all([api('GET', `/api/users/${id}`), api('GET', `/api/users/${me.id}/following?limit=200`),
    api('GET', `/api/users/${id}/followers?limit=100`), api('GET', `/api/users/${id}/following?limit=100`)]);
  let follows = following.items.some((f) => String(f.id) === String(id));
  put(root, h('h1', {}, u.display_name || u.username), h('p', { class: 'muted' }, `@${u.username}`),
    h('div', { class: 'row follow-lists' }, followList('followers', theirFollowers), followList('following', theirFollowing)));
  if (String(me.id) !== String(id)) {
    const btn = h('button', { type: 'button', id: 'follow' }, t(follows ? 'profile.unfollow' : 'profile.follow'));
    btn.addEventListener('click', async () => {
      try {
        await api(follows ? 'DELETE' : 'POST', `/api/users/${id}/follow`); follows = !follows; btn.textContent = t(follows ? 'profile.unfollow' : 'profile.follow');
        root.querySelector('#followers').replaceWith(followList('followers', await api('GET', `/api/users/${id}/followers?limit=100`)));
      }
      catch (e) { announce(errText(e)); }
    });
    put(root, h('p', {}, btn));
  }
  put(root, h('h2', {}, t('profile.posts')));
  await postList(root, `/api/users/${id}/posts`);
}
