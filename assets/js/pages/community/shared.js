// Pieces the community pages share: a post card, the composer, a paged post list, follows.

import { announce, h, link, put } from '../../dom.js';
import { api, errText } from '../../api.js';
import { when } from '../../format.js';
import { confirmBtn, field, fileBase64, form } from '../../components/form.js';
import { t } from '../../i18n.js';
import { navigate, render as rerender } from '../../router.js';
import { isStaff, me } from '../../session.js';

export function postCard(p) {
  const likeBtn = h('button', { type: 'button', class: 'secondary', 'aria-pressed': p.liked_by_me ? 'true' : 'false' }, t(p.liked_by_me ? 'post.unlike' : 'post.like'));
  const count = h('span', { class: 'meta' }, t('post.likes', { n: p.like_count }));
  likeBtn.addEventListener('click', async () => {
    if (!me) return navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
    try {
      await api(p.liked_by_me ? 'DELETE' : 'POST', `/api/posts/${p.id}/like`);
      p.like_count += p.liked_by_me ? -1 : 1; p.liked_by_me = !p.liked_by_me;
      likeBtn.textContent = t(p.liked_by_me ? 'post.unlike' : 'post.like'); likeBtn.setAttribute('aria-pressed', String(p.liked_by_me));
      count.textContent = t('post.likes', { n: p.like_count });
    } catch (e) { announce(errText(e)); }
  });
  const text = h('p', { class: 'text' }, p.text);
  const edited = h('span', { class: 'edited', hidden: !p.edited_at, title: p.edited_at ? when(p.edited_at) : null }, ` · ${t('post.edited')}`);
  const card = h('article', { class: 'post', 'data-post': p.id },
    h('div', { class: 'meta' }, me ? link(`/u/${p.author_id}`, `@${p.author_username}`) : `@${p.author_username}`, ' · ', link(`/posts/${p.id}`, when(p.created_at), { class: 'permalink' }), edited),
    text, p.image_url ? h('img', { src: p.image_url, alt: t('post.image_alt', { u: p.author_username }), loading: 'lazy' }) : null);
  const edit = me && me.id === p.author_id ? h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, t('edit')) : null;
  // The author edits the text in place; the API marks the post as edited.
  edit?.addEventListener('click', () => {
    if (card.querySelector('form')) return;
    edit.setAttribute('aria-expanded', 'true');
    const f = form([field('text', 'post.edit_label', { textarea: true, required: true, maxlength: 280, value: p.text })], 'save', async (v) => {
      const saved = await api('PATCH', `/api/posts/${p.id}`, { text: v.text });
      Object.assign(p, saved);
      text.textContent = saved.text; edited.hidden = !saved.edited_at;
      f.remove(); text.hidden = false; edit.setAttribute('aria-expanded', 'false'); edit.focus();
    }, { extra: [h('button', { type: 'button', class: 'secondary', onclick: () => { f.remove(); text.hidden = false; edit.setAttribute('aria-expanded', 'false'); edit.focus(); } }, t('cancel'))] });
    text.hidden = true; text.after(f); f.querySelector('textarea').focus();
  });
  put(card, h('div', { class: 'row' }, likeBtn, count, edit, me && (me.id === p.author_id || isStaff()) ? confirmBtn('post.delete', 'post.confirm', async () => { await api('DELETE', `/api/posts/${p.id}`); rerender(); }) : null));
  return card;
}
export function composer() {
  return form([field('text', 'f.text', { textarea: true, required: true, maxlength: 280 }), field('image', 'f.image', { type: 'file', accept: 'image/png,image/jpeg,image/webp' })], 'post.submit', async (v) => {
    await api('POST', '/api/posts', { text: v.text, image: v.image ? await fileBase64(v.image) : null });
    rerender();
  });
}
/** Posts of a list endpoint, 20 at a time with a "more" button. */
export async function postList(root, path) {
  const box = h('div', {});
  put(root, box);
  let cursor = null;
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('books.more'));
  const load = async () => {
    const page = await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!page.items.length && !cursor) box.append(h('p', {}, t('post.empty')));
    box.append(...page.items.map(postCard));
    cursor = page.next_cursor; more.hidden = !cursor;
  };
  more.addEventListener('click', load);
  put(root, more);
  await load();
}
/** Who follows an account, or whom it follows: a disclosure with the count and the names. */
export function followList(kind, page) {
  return h('details', { class: 'follows', id: kind }, h('summary', {}, t(`profile.${kind}`, { n: page.count })),
    page.items.length ? h('ul', {}, page.items.map((x) => h('li', {}, link(`/u/${x.id}`, `@${x.username}`)))) : h('p', { class: 'muted' }, t('profile.nobody')),
    page.next_cursor ? h('p', { class: 'muted' }, t('profile.first_n', { n: page.items.length })) : null);
}
