import { h, put } from '../../dom.js';
import { t } from '../../i18n.js';
import { me } from '../../session.js';
import { composer, postList } from './shared.js';

export async function render(root) {
  put(root, h('h1', {}, t('feed.title')));
  if (me) put(root, composer());
  await postList(root, '/api/posts');
}
