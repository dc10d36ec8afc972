import { h, put } from '../../dom.js';
import { api } from '../../api.js';
import { notifText, refreshCount, uiLink } from '../../bell.js';
import { when } from '../../format.js';
import { t } from '../../i18n.js';
import { render as rerender } from '../../router.js';

export async function render(root) {
  const { items } = await api('GET', '/api/notifications?limit=50');
  put(root, h('h1', {}, t('notif.title')), h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: async () => { await api('POST', '/api/notifications/read-all'); refreshCount(); rerender(); } }, t('notif.readall'))),
    items.length ? h('div', { role: 'list' }, items.map((n) => h('div', { role: 'listitem', class: `notif${n.read ? '' : ' unread'}` },
      h('a', { href: uiLink(n.link), onclick: () => api('POST', `/api/notifications/${n.id}/read`).then(refreshCount).catch(() => {}) }, notifText(n.text)), ' ', h('span', { class: 'muted' }, when(n.created_at)))))
      : h('p', {}, t('notif.empty')));
}
