import { h } from '../dom.js';

/** A table that, on a phone, shows each row as a card with the column names beside the cells. */
export function table(heads, rows, attrs = {}) {
  const label = (tr) => {
    [...tr.children].forEach((td, i) => {
      if (heads[i]) td.dataset.label = heads[i];
      if (td.childNodes.length > 1) td.replaceChildren(h('div', {}, [...td.childNodes]));
    });
    return tr;
  };
  return h('div', { class: 'tablewrap' }, h('table', { ...attrs, class: 'stack' }, h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => label(r instanceof Node ? r : h('tr', {}, r.map((c) => h('td', {}, c))))))));
}
