// A book: its details and its copies on the shelves.

import { h, link, put } from '../../dom.js';
import { api } from '../../api.js';
import { table } from '../../components/table.js';
import { t } from '../../i18n.js';
import { isStaff } from '../../session.js';
import { coverImg, genreOptions } from './shared.js';

export async function render(root, { id }) {
  const [b, genres, inv] = await Promise.all([api('GET', `/api/books/${id}`), genreOptions(), api('GET', `/api/inventory?book_id=${id}&limit=200`)]);
  const names = Object.fromEntries(genres.map((g) => [g.id, g.name]));
  put(root, h('h1', {}, b.title));
  if (b.cover) { try { put(root, await coverImg(b.id, b.title)); } catch { /* no cover */ } }
  put(root, h('p', {}, t('books.by', { a: b.authors.join(', ') })), h('p', { class: 'muted' }, `ISBN ${b.isbn}`, b.year ? ` · ${b.year}` : '', b.language ? ` · ${b.language}` : ''),
    h('p', {}, b.genre_ids.map((g) => names[g]).filter(Boolean).join(', ')), b.description ? h('p', {}, b.description) : null,
    h('h2', {}, t('books.inventory')),
    inv.items.length ? table(['f.condition', 'f.shelf', 'f.quantity', 'f.rentable'].map((k) => t(k)), inv.items.map((i) => [t(`cond.${i.condition}`), i.shelf || '—', i.quantity, i.rentable ? t('yes') : t('no')]))
      : h('p', {}, t('books.noinv')),
    isStaff() ? h('p', {}, link(`/staff/books/${b.id}`, t('books.edit'))) : null);
}
