// A course: details, enrolling, and for staff or its teacher who is in and who waits.

import { h, link, put } from '../../dom.js';
import { all, api } from '../../api.js';
import { cents, isoFromLocal, money, toLocalInput, when } from '../../format.js';
import { confirmBtn, form, num, opt } from '../../components/form.js';
import { table } from '../../components/table.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';
import { isStaff, me } from '../../session.js';
import { courseFields, enrolButton, myEnrolments } from './shared.js';

export async function render(root, { id }) {
  const [c, mine] = await Promise.all([api('GET', `/api/courses/${id}`), myEnrolments()]);
  const staff = isStaff();
  put(root, h('h1', {}, c.title), h('p', { class: 'muted' }, `${when(c.starts_at)} → ${when(c.ends_at)}`), c.schedule ? h('p', {}, c.schedule) : null,
    h('p', {}, t('courses.seats', { n: c.capacity }), ' · ', money(c.price_cents), ' · ', h('span', { id: 'course-status', class: c.status === 'cancelled' ? 'badge' : null }, t(`courses.status.${c.status}`))),
    c.description ? h('p', {}, c.description) : null, enrolButton(c, mine[c.id]));
  if (staff || (me && c.teacher_id === me.id)) {
    const { items } = await api('GET', `/api/courses/${id}/enrolments?limit=200`);
    const names = Object.fromEntries(await Promise.all([...new Set(items.map((e) => e.user_id))].map(async (u) => [u, (await api('GET', `/api/users/${u}`).catch(() => ({}))).username || `#${u}`])));
    const rows = (list) => list.map((e) => [...(e.position ? [e.position] : []), link(`/u/${e.user_id}`, `@${names[e.user_id]}`), when(e.created_at),
      staff ? confirmBtn('courses.remove', 'courses.remove.confirm', async () => { await api('DELETE', `/api/courses/${id}/enrolments/${e.user_id}`); rerender(); }) : '']);
    const enrolled = items.filter((e) => e.status === 'enrolled'), waiting = items.filter((e) => e.status !== 'enrolled');
    put(root, h('h2', {}, t('courses.enrolled_list', { n: enrolled.length, c: c.capacity })),
      enrolled.length ? table([t('f.username'), t('courses.since'), ''], rows(enrolled), { id: 'enrolled' }) : h('p', {}, t('courses.nobody')),
      h('h2', {}, t('courses.waiting_list', { n: waiting.length })),
      waiting.length ? table([t('courses.position'), t('f.username'), t('courses.since'), ''], rows(waiting), { id: 'waiting' }) : h('p', {}, t('courses.nobody')));
  }
  if (staff) {
    const users = await all('/api/users').catch(() => []);
    put(root, h('h2', {}, t('courses.edit')), form(courseFields(c, users), 'save', async (v) => {
      const body = { title: v.title, description: opt(v.description), teacher_id: num(v.teacher_id), schedule: opt(v.schedule), capacity: num(v.capacity), price_cents: cents(v.price_cents) };
      // Moving a date or the status tells the members: only send what changed.
      if (v.starts_at !== toLocalInput(c.starts_at)) body.starts_at = isoFromLocal(v.starts_at);
      if (v.ends_at !== toLocalInput(c.ends_at)) body.ends_at = isoFromLocal(v.ends_at);
      if (v.status !== c.status) body.status = v.status;
      await api('PATCH', `/api/courses/${id}`, body);
      rerender();
    }, { extra: c.status === 'cancelled' ? [] : [confirmBtn('courses.cancel', 'courses.cancel.confirm', async () => { await api('PATCH', `/api/courses/${id}`, { status: 'cancelled' }); rerender(); })] }));
  }
}
