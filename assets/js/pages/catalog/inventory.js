// The shelves: copies of books, films and other things, and their quantities.

import { h, link, put } from '../../dom.js';
import { api } from '../../api.js';
import { confirmBtn, field, form, inlineForm, num, opt } from '../../components/form.js';
import { table } from '../../components/table.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';

export async function render(root) {
  const [inv, books] = await Promise.all([api('GET', '/api/inventory?limit=200'), api('GET', '/api/books?limit=200')]);
  const titles = Object.fromEntries(books.items.map((b) => [b.id, b.title]));
  put(root, h('h1', {}, t('inventory.title')), inv.items.length === 0 ? h('p', {}, t('books.noinv')) :
    table(['f.kind', 'f.title', 'f.condition', 'f.shelf', 'f.quantity', 'f.rentable', ''].map((k) => (k ? t(k) : '')), inv.items.map((i) => [t(`kind.${i.kind}`),
      [i.book_id ? link(`/books/${i.book_id}`, titles[i.book_id] || `#${i.book_id}`) : (i.title || '—'), i.format ? ` (${i.format})` : ''], t(`cond.${i.condition}`), i.shelf || '—',
      inlineForm(form([field('quantity', 'f.quantity', { type: 'number', min: 0, value: i.quantity })], 'save', async (v) => { await api('PATCH', `/api/inventory/${i.id}`, { quantity: num(v.quantity) }); rerender(); })),
      i.rentable ? t('yes') : t('no'), confirmBtn('delete', 'books.confirm', async () => { await api('DELETE', `/api/inventory/${i.id}`); rerender(); })])),
    h('h2', {}, t('inventory.add')),
    form([
      field('kind', 'f.kind', { options: ['book', 'film', 'other'].map((k) => [k, t(`kind.${k}`)]) }),
      field('book_id', 'f.book_id', { options: [['', '—'], ...books.items.map((b) => [b.id, b.title])] }),
      field('title', 'f.title'), field('director', 'f.director'),
      field('format', 'f.format', { options: [['', '—'], ['DVD', 'DVD'], ['Blu-ray', 'Blu-ray'], ['VHS', 'VHS']] }),
      field('condition', 'f.condition', { options: ['new', 'like_new', 'good', 'fair', 'poor'].map((c) => [c, t(`cond.${c}`)]), value: 'good' }),
      field('shelf', 'f.shelf'), field('quantity', 'f.quantity', { type: 'number', value: 1, min: 0 }), field('rentable', 'f.rentable', { type: 'checkbox' }),
    ], 'inventory.add', async (v) => {
      await api('POST', '/api/inventory', { kind: v.kind, book_id: num(v.book_id), title: opt(v.title), director: opt(v.director), format: opt(v.format), condition: v.condition, shelf: opt(v.shelf), quantity: num(v.quantity), rentable: v.rentable });
      rerender();
    }));
}
