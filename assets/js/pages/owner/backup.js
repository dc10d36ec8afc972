// The owner's page: download a backup of the one data file.

import { h, put } from '../../dom.js';
import { api, errText } from '../../api.js';
import { when } from '../../format.js';
import { t } from '../../i18n.js';

export async function render(root) {
  const health = await fetch('/healthz').then((r) => r.json()).catch(() => ({}));
  const status = h('p', { role: 'status' });
  put(root, h('h1', {}, t('owner.title')), h('p', {}, t('owner.help')),
    h('p', { id: 'last-backup' }, health.last_backup ? t('owner.last', { t: when(health.last_backup) }) : t('owner.never')),
    h('button', { type: 'button', id: 'backup', onclick: async () => {
      status.textContent = t('loading');
      try {
        const res = await api('GET', '/api/admin/backup', undefined, { raw: true });
        const a = h('a', { href: URL.createObjectURL(await res.blob()), download: `barrio-${new Date().toISOString().slice(0, 10)}.redb` });
        document.body.append(a); a.click(); a.remove();
        status.textContent = t('done');
      } catch (e) { status.textContent = errText(e); }
    } }, t('owner.backup')), status);
}
