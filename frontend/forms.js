// Forms: labelled fields with inline errors wired through aria-describedby, the API's
// validation messages placed next to their fields, busy submit buttons.

import { h, replace, uid } from './dom.js';

/**
 * A labelled control with a hint and an (initially empty) error slot that is
 * wired through aria-describedby.
 *   field({label, name, type, hint, required, value, autocomplete, ...attrs})
 * Returns the wrapper; wrapper.control is the input/textarea/select.
 */
export function field(opts) {
  const {
    label,
    name,
    type = 'text',
    hint,
    required = false,
    value,
    optional = false,
    control: customControl,
    className,
    options,
    ...attrs
  } = opts;
  const id = uid(name || 'field');
  const hintId = hint ? `${id}-hint` : null;
  const errId = `${id}-error`;
  let control;
  if (customControl) {
    control = customControl;
    control.id = id;
  } else if (type === 'textarea') {
    control = h('textarea', { id, name, rows: 3, ...attrs });
    if (value !== undefined && value !== null) control.value = value;
  } else if (type === 'select') {
    control = h(
      'select',
      { id, name, ...attrs },
      (options || []).map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)),
    );
  } else {
    control = h('input', { id, name, type, ...attrs });
    if (value !== undefined && value !== null) control.value = value;
  }
  if (required) control.setAttribute('aria-required', 'true');
  const describedBy = [hintId].filter(Boolean).join(' ');
  if (describedBy) control.setAttribute('aria-describedby', describedBy);
  control.dataset.baseDescribedby = describedBy;
  control.dataset.errorId = errId;

  const wrap = h(
    'div',
    { class: ['field', className], dataset: { field: name } },
    h('label', { for: id }, label, optional ? h('span', { class: 'optional' }, ' (optional)') : null),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    control,
    h('p', { class: 'field-error', id: errId }),
  );
  wrap.control = control;
  return wrap;
}

/** A checkbox with its label to the right and an optional hint. */
export function checkbox({ label, name, checked = false, hint }) {
  const id = uid(name);
  const hintId = hint ? `${id}-hint` : null;
  const errId = `${id}-error`;
  const control = h('input', { type: 'checkbox', id, name, checked, 'aria-describedby': hintId });
  control.dataset.baseDescribedby = hintId || '';
  control.dataset.errorId = errId;
  const wrap = h(
    'div',
    { class: 'field field-check', dataset: { field: name } },
    control,
    h(
      'div',
      {},
      h('label', { for: id }, label),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
      h('p', { class: 'field-error', id: errId }),
    ),
  );
  wrap.control = control;
  return wrap;
}

/** Show (or clear, with an empty message) the error next to one field wrapper. */
export function setFieldError(wrap, message) {
  const controls = wrap.matches('input, select, textarea') ? [wrap] : [...wrap.querySelectorAll('input, select, textarea')];
  const slot = wrap.querySelector(':scope > .field-error, :scope .field-error');
  if (slot) slot.textContent = message || '';
  for (const c of controls) {
    if (!c.dataset.errorId) continue;
    const ids = (c.dataset.baseDescribedby || '').split(' ').filter(Boolean);
    if (message) {
      c.setAttribute('aria-invalid', 'true');
      ids.push(c.dataset.errorId);
    } else {
      c.removeAttribute('aria-invalid');
    }
    if (ids.length) c.setAttribute('aria-describedby', ids.join(' '));
    else c.removeAttribute('aria-describedby');
  }
  wrap.classList.toggle('has-error', Boolean(message));
  // An error inside a collapsed <details> must be visible.
  const details = message ? wrap.closest('details') : null;
  if (details) details.open = true;
}

/** The live region at the top of a form where its overall message goes. */
export function formMessage() {
  return h('div', { class: 'form-message', 'aria-live': 'assertive', 'aria-atomic': 'true' });
}

export function clearErrors(form) {
  for (const wrap of form.querySelectorAll('.has-error')) setFieldError(wrap, '');
  const msg = form.querySelector('.form-message');
  if (msg) msg.replaceChildren();
}

export function showFormMessage(form, message, kind = 'error', extra = []) {
  const slot = form.querySelector('.form-message');
  if (!slot) return null;
  const box = h(
    'div',
    { class: ['alert', `alert-${kind}`], tabindex: '-1' },
    h('p', {}, message),
    extra.length
      ? h(
          'ul',
          {},
          extra.map((m) => h('li', {}, m)),
        )
      : null,
  );
  replace(slot, box);
  return box;
}

/**
 * Find the field wrapper for an API field name. Understands exact names,
 * "labels.plan" / "buckets[2]" / "allowed_origins.0" (nested paths fall back
 * to their first segment), and an optional resolver for special cases.
 */
function findFieldWrap(form, key, resolve) {
  if (resolve) {
    const found = resolve(key);
    if (found) return found;
  }
  const esc = (v) => (window.CSS && CSS.escape ? CSS.escape(v) : v);
  let wrap = form.querySelector(`[data-field="${esc(key)}"]`);
  if (wrap) return wrap;
  const base = key.split(/[.[]/)[0];
  wrap = form.querySelector(`[data-field="${esc(base)}"]`);
  return wrap;
}

/**
 * Display an error from the API on a form: field messages (error.details.fields)
 * next to their fields, error.message at the top; focus the first bad field.
 *   opts.conflictField: field that a 409 (duplicate) belongs to
 *   opts.fieldFor: {error_code: field_name} for errors without details
 *   opts.resolve(key) → wrapper, for API names that need mapping
 */
export function showApiError(form, err, opts = {}) {
  clearErrors(form);
  const fields = err?.fields ? err.fields : {};
  const unplaced = [];
  const invalid = [];
  for (const [key, msg] of Object.entries(fields)) {
    const text = typeof msg === 'string' ? msg : Array.isArray(msg) ? msg.join(' ') : JSON.stringify(msg);
    const wrap = findFieldWrap(form, key, opts.resolve);
    if (wrap && !wrap.hidden && !wrap.closest('[hidden]')) {
      const slot = wrap.querySelector('.field-error');
      const prev = slot ? slot.textContent : '';
      setFieldError(wrap, prev ? `${prev} ${text}` : text);
      invalid.push(wrap);
    } else {
      unplaced.push(`${key}: ${text}`);
    }
  }
  let fieldOnly = false;
  const mapped = opts.fieldFor?.[err.code] || (err.code === 'conflict' || err.status === 409 ? opts.conflictField : null);
  if (!invalid.length && mapped) {
    const wrap = form.querySelector(`[data-field="${mapped}"]`);
    if (wrap) {
      setFieldError(wrap, err.message);
      invalid.push(wrap);
      fieldOnly = true;
    }
  }
  let box = null;
  if (!fieldOnly || unplaced.length) {
    let message = err.message || 'Something went wrong.';
    if (invalid.length && !unplaced.length && err.code === 'validation_failed' && !/field/i.test(message)) {
      message = `${message} See the highlighted ${invalid.length === 1 ? 'field' : 'fields'}.`;
    }
    box = showFormMessage(form, message, 'error', unplaced);
  }
  const first = invalid[0];
  if (first) {
    const c = first.matches('input, select, textarea') ? first : first.querySelector('[aria-invalid="true"], input, select, textarea');
    if (c) c.focus();
  } else if (box) {
    box.focus();
  }
}

/** Put client-side errors ({name: message}) on a form, like API ones. */
export function showClientErrors(form, errors, message = 'Please correct the highlighted fields.') {
  showApiError(form, { code: 'validation_failed', message, fields: errors, status: 400 });
}

/**
 * Run an async action while a button shows it is busy. The button keeps focus
 * (aria-disabled rather than disabled) and repeated clicks are ignored.
 */
export async function busy(button, busyLabel, fn) {
  if (button.getAttribute('aria-disabled') === 'true') return undefined;
  const original = button.textContent;
  button.setAttribute('aria-disabled', 'true');
  button.classList.add('is-busy');
  button.textContent = busyLabel;
  const form = button.form || button.closest('form');
  if (form) form.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.removeAttribute('aria-disabled');
    button.classList.remove('is-busy');
    button.textContent = original;
    if (form) form.removeAttribute('aria-busy');
  }
}

/** Bind submit on a form to an async handler run with the submit button busy. */
export function onSubmit(form, busyLabel, handler) {
  form.noValidate = true;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button && button.getAttribute('aria-disabled') === 'true') return;
    const run = () => handler(ev);
    if (button) busy(button, busyLabel, run);
    else run();
  });
}

/** Split "a, b\n c" into ["a","b","c"]. */
export function splitList(text) {
  return String(text || '')
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}
