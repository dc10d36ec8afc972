// Forms: labelled fields, submit with the button disabled while it runs, and API errors
// shown next to the field they name (`error.field`), in the person's language.

import { h } from '../dom.js';
import { ApiErr, errText } from '../api.js';
import { t } from '../i18n.js';

let uid = 0;
/** A labelled control with its error line; `o`: options, multiple, textarea, type, value, … */
export function field(name, labelKey, o = {}) {
  const id = `f-${name}-${++uid}`;
  const errId = `${id}-err`;
  const common = { id, name, 'aria-describedby': errId, required: o.required, 'aria-required': o.required ? 'true' : null };
  let input;
  if (o.options) {
    input = h('select', { ...common, multiple: o.multiple },
      o.options.map(([v, l]) => h('option', { value: v, selected: Array.isArray(o.value) ? o.value.map(String).includes(String(v)) : String(o.value ?? '') === String(v) }, l)));
  } else if (o.textarea) {
    input = h('textarea', { ...common, rows: 3, maxlength: o.maxlength }); input.value = o.value ?? '';
  } else if (o.type === 'checkbox') {
    input = h('input', { ...common, type: 'checkbox', checked: !!o.value });
    return h('div', { class: 'field check' }, input, h('label', { for: id }, t(labelKey)), h('p', { class: 'err', id: errId, hidden: true }));
  } else {
    input = h('input', { ...common, type: o.type || 'text', value: o.value ?? null, autocomplete: o.autocomplete, accept: o.accept, step: o.step, min: o.min, inputmode: o.inputmode, maxlength: o.maxlength });
  }
  return h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), input, h('p', { class: 'err', id: errId, hidden: true }));
}
export function clearErrors(form) {
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  form.querySelectorAll('.err').forEach((el) => { el.hidden = true; el.textContent = ''; });
  form.querySelectorAll('.form-err').forEach((el) => el.remove());
}
export function showError(form, e, aliases = {}) {
  const name = aliases[e.field] || e.field;
  const input = name && form.querySelector(`[name="${CSS.escape(name)}"]`);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    const p = form.querySelector(`#${CSS.escape(input.id)}-err`);
    p.textContent = errText(e); p.hidden = false;
    input.focus();
  } else {
    form.prepend(h('p', { class: 'form-err', role: 'alert' }, errText(e)));
  }
}
/** A form whose submit runs `onSubmit(values, form)`; API errors land next to their field. */
export function form(fields, submitKey, onSubmit, { aliases = {}, extra = [] } = {}) {
  const f = h('form', { class: 'f', novalidate: true }, fields, h('div', { class: 'row' }, h('button', { type: 'submit' }, t(submitKey)), extra));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    const btn = f.querySelector('button[type=submit]');
    btn.disabled = true;
    try { await onSubmit(values(f), f); }
    catch (e) { showError(f, e, aliases); }
    finally { btn.disabled = false; }
  });
  return f;
}
export function values(f) {
  const out = {};
  for (const el of f.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'file') out[el.name] = el.files[0] || null;
    else if (el.multiple) out[el.name] = [...el.selectedOptions].map((o) => o.value);
    else out[el.name] = el.value.trim();
  }
  return out;
}
export const opt = (s) => (s === '' ? null : s);
export const num = (s) => (s === '' || s == null ? null : Number(s));
export function fileBase64(file) {
  return new Promise((ok, fail) => {
    const r = new FileReader();
    r.onload = () => ok(String(r.result).split(',')[1] || '');
    r.onerror = fail;
    r.readAsDataURL(file);
  });
}
export function confirmBtn(labelKey, questionKey, action) {
  return h('button', { type: 'button', class: 'danger', onclick: async (ev) => {
    if (!confirm(t(questionKey))) return;
    try { await action(); } catch (e) { ev.target.after(h('span', { class: 'form-err', role: 'alert' }, ' ', errText(e))); }
  } }, t(labelKey));
}
/** A one-line form (label for screen readers only), e.g. inside a table cell. */
export function inlineForm(f) {
  f.classList.add('inline');
  f.querySelectorAll('.field:not(.check) label').forEach((l) => l.classList.add('sr'));
  return f;
}
/** Said next to `field` like an API error, before asking the API anything. */
export function need(v, ...names) {
  for (const n of names) if (v[n] === '' || v[n] == null) throw new ApiErr(400, { error: { code: 'required', field: n } });
}
export const userOptions = (users) => [['', '—'], ...users.map((u) => [u.id, u.username])];
