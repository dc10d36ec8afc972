import { h, put } from '../../dom.js';
import { api } from '../../api.js';
import { confirmBtn, field, form, inlineForm, opt } from '../../components/form.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';
import { genreOptions } from './shared.js';

export async function render(root) {
  const genres = await genreOptions();
  put(root, h('h1', {}, t('genres.title')),
    h('ul', {}, genres.map((g) => {
      const f = form([field('name', 'f.name', { value: g.name, required: true })], 'save', async (v) => { await api('PATCH', `/api/genres/${g.id}`, { name: v.name }); rerender(); },
        { extra: [confirmBtn('delete', 'books.confirm', async () => { await api('DELETE', `/api/genres/${g.id}`); rerender(); })] });
      inlineForm(f);
      return h('li', { 'data-genre': g.name }, f);
    })),
    h('h2', {}, t('genres.add')),
    form([field('name', 'f.name', { required: true }), field('description', 'f.description')], 'genres.add', async (v) => {
      await api('POST', '/api/genres', { name: v.name, description: opt(v.description) });
      rerender();
    }));
}
