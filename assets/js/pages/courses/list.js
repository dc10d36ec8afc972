// The courses the shop hosts; staff add one here.

import { h, link, put } from '../../dom.js';
import { all, api } from '../../api.js';
import { cents, isoFromLocal, money, when } from '../../format.js';
import { form, num, opt } from '../../components/form.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';
import { isStaff } from '../../session.js';
import { courseFields, enrolButton, myEnrolments } from './shared.js';

export async function render(root) {
  const [{ items }, mine, users] = await Promise.all([api('GET', '/api/courses?limit=100'), myEnrolments(), isStaff() ? all('/api/users').catch(() => []) : []]);
  put(root, h('h1', {}, t('courses.title')),
    items.length ? h('div', { class: 'grid' }, items.map((c) => h('article', { class: 'card', 'data-course': c.id },
      h('h2', { class: 'h3' }, link(`/courses/${c.id}`, c.title)), h('p', { class: 'muted' }, `${when(c.starts_at)} → ${when(c.ends_at)}`), c.schedule ? h('p', {}, c.schedule) : null,
      h('p', {}, t('courses.seats', { n: c.capacity }), ' · ', money(c.price_cents), ' · ', t(`courses.status.${c.status}`)),
      c.description ? h('p', {}, c.description) : null, enrolButton(c, mine[c.id]))))
      : h('p', {}, t('courses.empty')));
  if (isStaff()) {
    put(root, h('h2', {}, t('courses.add')), form(courseFields({}, users), 'courses.add', async (v) => {
      await api('POST', '/api/courses', { title: v.title, description: opt(v.description), teacher_id: num(v.teacher_id), starts_at: isoFromLocal(v.starts_at), ends_at: isoFromLocal(v.ends_at), schedule: opt(v.schedule), capacity: num(v.capacity), price_cents: cents(v.price_cents), status: v.status });
      rerender();
    }));
  }
}
