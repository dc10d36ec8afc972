// Pieces the course pages share: the course form, enrolling, one's own enrolments.

import { h } from '../../dom.js';
import { api, errText } from '../../api.js';
import { toLocalInput } from '../../format.js';
import { confirmBtn, field, userOptions } from '../../components/form.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';
import { me } from '../../session.js';

const COURSE_STATUSES = ['draft', 'open', 'closed', 'cancelled'];
export function courseFields(c, users) {
  return [field('title', 'f.title', { required: true, value: c.title }), field('description', 'f.description', { textarea: true, value: c.description }),
    field('teacher_id', 'f.teacher', { options: userOptions(users), value: c.teacher_id }),
    field('starts_at', 'f.starts_at', { type: 'datetime-local', required: true, value: toLocalInput(c.starts_at) }), field('ends_at', 'f.ends_at', { type: 'datetime-local', required: true, value: toLocalInput(c.ends_at) }),
    field('schedule', 'f.schedule', { value: c.schedule }), field('capacity', 'f.capacity', { type: 'number', min: 0, value: c.capacity ?? 10 }),
    field('price_cents', 'f.price', { type: 'number', step: '0.01', min: 0, value: ((c.price_cents || 0) / 100).toFixed(2), inputmode: 'decimal' }),
    field('status', 'f.status', { options: (c.id ? COURSE_STATUSES : COURSE_STATUSES.slice(0, 3)).map((x) => [x, t(`courses.status.${x}`)]), value: c.status || 'open' })];
}
export function enrolButton(c, mine) {
  if (!me) return null;
  if (mine) {
    return h('p', { role: 'status' }, mine.position ? t('courses.waitlist', { n: mine.position }) : t('courses.enrolled'), ' ',
      confirmBtn('courses.leave', 'courses.leave.confirm', async () => { await api('DELETE', `/api/courses/${c.id}/enrolments`); rerender(); }));
  }
  if (c.status !== 'open') return null;
  return h('button', { type: 'button', onclick: async (ev) => {
    try { const e = await api('POST', `/api/courses/${c.id}/enrolments`); ev.target.replaceWith(h('p', { role: 'status' }, e.position ? t('courses.waitlist', { n: e.position }) : t('courses.enrolled'))); }
    catch (e) { ev.target.after(h('p', { class: 'form-err', role: 'alert' }, errText(e))); }
  } }, t('courses.enrol'));
}
export async function myEnrolments() {
  if (!me) return {};
  const { items } = await api('GET', `/api/users/${me.id}/courses?limit=200`).catch(() => ({ items: [] }));
  return Object.fromEntries(items.map((m) => [m.course.id, m.enrolment]));
}
