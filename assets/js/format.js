// Formats for people, decided in one place: a page never formats money or dates itself.

import { lang } from './i18n.js';

export function money(cents, currency = 'ARS') {
  try { return new Intl.NumberFormat(lang, { style: 'currency', currency }).format(cents / 100); }
  catch { return `${(cents / 100).toFixed(2)} ${currency}`; }
}
export function when(iso) {
  try { return new Date(iso).toLocaleString(lang); } catch { return iso; }
}
/** Case- and accent-folded text, for matching what a person typed. */
export const fold = (s) => (s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
/** An instant as the value of a datetime-local input. */
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso), p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
/** A datetime-local input's value as an instant. */
export const isoFromLocal = (v) => (v ? new Date(v).toISOString() : '');
export const cents = (s) => (s === '' ? null : Math.round(Number(String(s).replace(',', '.')) * 100));
