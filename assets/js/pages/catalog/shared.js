// Pieces the catalog pages share: genres, covers, a product's form.

import { h } from '../../dom.js';
import { all, api } from '../../api.js';
import { cents } from '../../format.js';
import { field, num, opt } from '../../components/form.js';
import { t } from '../../i18n.js';

export async function genreOptions() {
  const { items } = await api('GET', '/api/genres?limit=200');
  return items;
}
export async function coverImg(bookId, alt) {
  const res = await api('GET', `/api/books/${bookId}/cover`, undefined, { raw: true });
  return h('img', { class: 'cover', src: URL.createObjectURL(await res.blob()), alt });
}
/** Inventory lines as choices for a product's link: "title · shelf (#id)". */
export async function inventoryChoices() {
  const [inv, books] = await Promise.all([all('/api/inventory'), all('/api/books')]);
  const titles = Object.fromEntries(books.map((b) => [b.id, b.title]));
  return [['', t('products.no_item')], ...inv.map((i) => [i.id, `${i.book_id ? titles[i.book_id] || `#${i.book_id}` : i.title || t(`kind.${i.kind}`)}${i.shelf ? ` · ${i.shelf}` : ''} (#${i.id})`])];
}
export function productFields(p, items) {
  return [field('sku', 'f.sku', { required: true, value: p.sku, autocomplete: 'off' }), field('name', 'f.name', { required: true, value: p.name }), field('description', 'f.description', { textarea: true, value: p.description }),
    field('price_cents', 'f.price', { type: 'number', step: '0.01', min: 0, required: true, inputmode: 'decimal', value: p.price_cents == null ? null : (p.price_cents / 100).toFixed(2) }),
    field('currency', 'f.currency', { value: p.currency || 'ARS', maxlength: 3 }), field('stock', 'f.stock', { type: 'number', value: p.stock ?? 0, min: 0 }),
    field('inventory_item_id', 'f.inventory_item', { options: items, value: p.inventory_item_id })];
}
export const productBody = (v) => ({ sku: v.sku, name: v.name, description: opt(v.description), price_cents: cents(v.price_cents), currency: opt(v.currency), stock: num(v.stock), inventory_item_id: num(v.inventory_item_id) });
