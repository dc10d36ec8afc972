import { h, put } from '../../dom.js';
import { t } from '../../i18n.js';
import { composer, postList } from './shared.js';

export async function render(root) {
  put(root, h('h1', {}, t('home.title')), composer());
  await postList(root, '/api/timeline');
}
