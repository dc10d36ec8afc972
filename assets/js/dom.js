// Building the page: a tiny element helper instead of a view library.

export const $ = (sel, root = document) => root.querySelector(sel);

/** An element with attributes (`on…` become listeners) and children (null and false skipped). */
export function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of kids.flat(Infinity)) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
export const link = (href, text, attrs = {}) => h('a', { href, ...attrs }, text);
/** Appends, skipping null and false (DOM append would print them). */
export const put = (el, ...kids) => el.append(...kids.flat(Infinity).filter((k) => k != null && k !== false));
/** Said by screen readers (the polite live region of index.html). */
export function announce(msg) { const l = $('#live'); l.textContent = ''; setTimeout(() => (l.textContent = msg), 50); }
