// The catalog for members: search as you type, filters and sort over the books list API.

import { h, link, put } from '../../dom.js';
import { api } from '../../api.js';
import { fold } from '../../format.js';
import { field, showError, values } from '../../components/form.js';
import { searchBox } from '../../components/search-box.js';
import { t } from '../../i18n.js';
import { navigate } from '../../router.js';
import { genreOptions } from './shared.js';

/** The filters and sorts the books list API takes (src/catalog/routes.rs `BookQuery`). */
const BOOK_FILTERS = ['genre', 'author', 'year_from', 'year_to', 'language', 'in_stock', 'sort'];
async function fallbackBooks(q) {
  const f = fold(q);
  const { items } = await api('GET', '/api/books?limit=200');
  return items.filter((b) => fold(`${b.title} ${b.authors.join(' ')}`).includes(f)).slice(0, 8).map((b) => ({ kind: 'book', id: b.id, title: b.title, snippet: b.authors.join(', ') }));
}
export async function render(root, _p, q) {
  const genres = await genreOptions();
  const cursor = q.get('cursor') || '';
  const params = new URLSearchParams();
  for (const k of BOOK_FILTERS) if (q.get(k)) params.set(k, q.get(k));
  const filters = h('form', { class: 'toolbar', role: 'search', 'aria-label': t('books.filters') },
    field('genre', 'f.genre', { options: [['', t('f.all')], ...genres.map((g) => [g.id, g.name])], value: q.get('genre') }),
    field('author', 'f.author', { value: q.get('author') }),
    field('year_from', 'f.year_from', { type: 'number', inputmode: 'numeric', value: q.get('year_from') }),
    field('year_to', 'f.year_to', { type: 'number', inputmode: 'numeric', value: q.get('year_to') }),
    field('language', 'f.language_code', { value: q.get('language'), maxlength: 8 }),
    field('in_stock', 'f.in_stock', { options: [['', t('f.all')], ['true', t('books.in_stock.yes')], ['false', t('books.in_stock.no')]], value: q.get('in_stock') }),
    field('sort', 'f.sort', { options: ['title', 'year', 'newest'].map((s) => [s, t(`books.sort.${s}`)]), value: q.get('sort') || 'title' }),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, t('books.apply')), params.toString() ? link('/books', t('books.clear')) : null));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(values(filters))) if (v && !(k === 'sort' && v === 'title')) next.set(k, v);
    navigate(`/books${next.toString() ? `?${next}` : ''}`);
  });
  filters.querySelector('[name=genre]').addEventListener('change', () => filters.requestSubmit());
  put(root, h('h1', {}, t('books.title')), searchBox('books', 'books.search', fallbackBooks), filters);
  const query = new URLSearchParams(params);
  query.set('limit', '20');
  if (cursor) query.set('cursor', cursor);
  let page;
  try { page = await api('GET', `/api/books?${query}`); }
  catch (e) { showError(filters, e); return; }
  const names = Object.fromEntries(genres.map((g) => [g.id, g.name]));
  put(root, page.items.length ? h('div', { class: 'grid', id: 'books' }, page.items.map((b) => h('article', { class: 'card', 'data-book': b.id },
    h('h2', { class: 'h3' }, link(`/books/${b.id}`, b.title)), h('p', { class: 'muted' }, t('books.by', { a: b.authors.join(', ') }), b.year ? ` · ${b.year}` : '', b.language ? ` · ${b.language}` : ''),
    h('p', {}, b.genre_ids.map((g) => names[g]).filter(Boolean).join(', ')), h('p', {}, t('books.stock', { n: b.stock })))))
    : h('p', {}, t('books.empty')));
  const nav = h('p', { class: 'row' });
  if (cursor) nav.append(link(`/books${params.toString() ? `?${params}` : ''}`, t('books.first')));
  if (page.next_cursor) { const more = new URLSearchParams(params); more.set('cursor', page.next_cursor); nav.append(link(`/books?${more}`, t('books.more'))); }
  put(root, nav);
}
