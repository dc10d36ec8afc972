// A new book, or one being edited (with its cover).

import { h, put } from '../../dom.js';
import { api } from '../../api.js';
import { confirmBtn, field, form, num, opt } from '../../components/form.js';
import { t } from '../../i18n.js';
import { navigate } from '../../router.js';
import { genreOptions } from './shared.js';

export async function render(root, { id }) {
  const genres = await genreOptions();
  const b = id ? await api('GET', `/api/books/${id}`) : {};
  put(root, h('h1', {}, t(id ? 'books.edit' : 'books.new')));
  put(root, form([
    field('title', 'f.title', { required: true, value: b.title }), field('authors', 'f.authors', { required: true, value: (b.authors || []).join(', ') }),
    field('isbn', 'f.isbn', { required: true, value: b.isbn }), field('description', 'f.description', { textarea: true, value: b.description }),
    field('year', 'f.year', { type: 'number', value: b.year, inputmode: 'numeric' }), field('language', 'f.language', { value: b.language }),
    field('genre_ids', 'f.genre_ids', { options: genres.map((g) => [g.id, g.name]), multiple: true, value: b.genre_ids || [] }),
    field('cover', 'f.cover', { type: 'file', accept: 'image/png,image/jpeg,image/webp' }),
  ], 'books.save', async (v) => {
    const body = { title: v.title, authors: v.authors.split(',').map((s) => s.trim()).filter(Boolean), isbn: v.isbn, description: opt(v.description), year: num(v.year), language: opt(v.language), genre_ids: v.genre_ids.map(Number) };
    const saved = id ? await api('PATCH', `/api/books/${id}`, body) : await api('POST', '/api/books', body);
    if (!id) history.replaceState(null, '', `/staff/books/${saved.id}`);
    if (v.cover) {
      try { await api('PUT', `/api/books/${saved.id}/cover`, v.cover); }
      catch (e) { if (!e.field) e.field = 'cover'; throw e; }
    }
    navigate(`/books/${saved.id}`);
  }, { extra: id ? [confirmBtn('books.delete', 'books.confirm', async () => { await api('DELETE', `/api/books/${id}`); navigate('/books'); })] : [] }));
}
