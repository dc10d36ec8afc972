import { h, link, put } from '../../dom.js';
import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { me } from '../../session.js';
import { postCard } from './shared.js';

export async function render(root, { id }) {
  const p = await api('GET', `/api/posts/${id}`);
  put(root, h('h1', {}, t('post.title', { u: p.author_username })), postCard(p), h('p', {}, link(me ? '/home' : '/feed', t('post.back'))));
}
