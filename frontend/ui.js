// Reusable UI pieces: labelled fields with inline errors, API-error display,
// busy buttons, dialogs, copy buttons, the status toast.

import { h, uid, replace } from './dom.js';

// ------------------------------------------------------------------ status

let toastTimer = null;
/** Polite announcement, also shown briefly as a toast (fixed position: no layout shift). */
export function announce(message, kind = 'ok') {
  const region = document.getElementById('toast');
  if (!region) return;
  clearTimeout(toastTimer);
  replace(region, h('div', { class: ['toast', `toast-${kind}`] }, message));
  toastTimer = setTimeout(() => region.replaceChildren(), 5000);
}

// ------------------------------------------------------------------ fields

/**
 * A labelled control with a hint and an (initially empty) error slot that is
 * wired through aria-describedby.
 *   field({label, name, type, hint, required, value, autocomplete, ...attrs})
 * Returns the wrapper; wrapper.control is the input/textarea/select.
 */
export function field(opts) {
  const {
    label, name, type = 'text', hint, required = false, value, optional = false,
    control: customControl, className, options, ...attrs
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
    control = h('select', { id, name, ...attrs },
      (options || []).map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
  } else {
    control = h('input', { id, name, type, ...attrs });
    if (value !== undefined && value !== null) control.value = value;
  }
  if (required) control.setAttribute('aria-required', 'true');
  const describedBy = [hintId].filter(Boolean).join(' ');
  if (describedBy) control.setAttribute('aria-describedby', describedBy);
  control.dataset.baseDescribedby = describedBy;
  control.dataset.errorId = errId;

  const wrap = h('div', { class: ['field', className], dataset: { field: name } },
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
  const wrap = h('div', { class: 'field field-check', dataset: { field: name } },
    control,
    h('div', {},
      h('label', { for: id }, label),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
      h('p', { class: 'field-error', id: errId })));
  wrap.control = control;
  return wrap;
}

/** Show (or clear, with an empty message) the error next to one field wrapper. */
export function setFieldError(wrap, message) {
  const controls = wrap.matches('input, select, textarea')
    ? [wrap]
    : [...wrap.querySelectorAll('input, select, textarea')];
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
  const box = h('div', { class: ['alert', `alert-${kind}`], tabindex: '-1' },
    h('p', {}, message),
    extra.length ? h('ul', {}, extra.map((m) => h('li', {}, m))) : null);
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
  const fields = err && err.fields ? err.fields : {};
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
  const mapped = (opts.fieldFor || {})[err.code]
    || (err.code === 'conflict' || err.status === 409 ? opts.conflictField : null);
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

// ------------------------------------------------------------------ buttons

export function button(label, props = {}) {
  const { kind = 'secondary', small = false, class: extra, ...rest } = props;
  return h('button', { type: 'button', ...rest, class: ['btn', `btn-${kind}`, small && 'btn-small', extra] }, label);
}

export function linkButton(label, href, props = {}) {
  const { kind = 'secondary', small = false, class: extra, ...rest } = props;
  return h('a', { href, ...rest, class: ['btn', `btn-${kind}`, small && 'btn-small', extra] }, label);
}

async function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      /* fall back below */
    }
  }
  const ta = h('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' });
  ta.value = text;
  document.body.append(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

function selectContents(el) {
  if (!el) return;
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}

/**
 * A "Copy" button for the text of `source` (an element, or a function returning
 * the text). `what` names the thing for screen readers: "Copy secret".
 */
export function copyButton(source, what, props = {}) {
  const label = props.label || 'Copy';
  const btn = button(label, {
    small: true,
    class: 'btn-copy',
    'aria-label': what ? `Copy ${what}` : undefined,
    'data-copy': what || '',
    ...props.attrs,
  });
  let timer = null;
  btn.addEventListener('click', async () => {
    const text = typeof source === 'function' ? source() : source.textContent;
    const ok = await writeClipboard(text);
    clearTimeout(timer);
    if (ok) {
      btn.textContent = 'Copied';
      btn.classList.add('is-copied');
      announce(`${what ? what[0].toUpperCase() + what.slice(1) : 'Text'} copied to the clipboard.`);
      timer = setTimeout(() => {
        btn.textContent = label;
        btn.classList.remove('is-copied');
      }, 2000);
    } else {
      if (typeof source !== 'function') selectContents(source);
      announce('Could not copy automatically: the text is selected, press Ctrl+C (⌘C) to copy it.', 'error');
    }
  });
  return btn;
}

/** A code block with a copy button. */
export function codeBlock(text, what, { id } = {}) {
  const code = h('code', { id }, text);
  const pre = h('pre', { class: 'code', tabindex: '0', 'aria-label': what }, code);
  return h('div', { class: 'code-wrap' }, pre, h('div', { class: 'code-actions' }, copyButton(code, what)));
}

// ------------------------------------------------------------------ dialogs

/**
 * A modal dialog holding a form.
 *   openDialog({title, description, body: [nodes], submitLabel, danger, onSubmit(form, dialog)})
 * onSubmit may throw ApiError: it is shown in the dialog (fields + message).
 * Resolves with onSubmit's result, or undefined when cancelled. Focus returns
 * to the element that opened it.
 */
export function openDialog({ title, description, body = [], submitLabel = 'Save', busyLabel = 'Saving…',
  danger = false, onSubmit: submit, errorOptions = {}, cancelLabel = 'Cancel' }) {
  const opener = document.activeElement;
  const titleId = uid('dlg-title');
  const descId = description ? uid('dlg-desc') : null;
  return new Promise((resolve) => {
    let result;
    const form = h('form', { class: 'dialog-form', method: 'dialog' },
      h('h2', { id: titleId, class: 'dialog-title' }, title),
      description ? h('div', { id: descId, class: 'dialog-desc' }, description) : null,
      formMessage(),
      body,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: ['btn', danger ? 'btn-danger' : 'btn-primary'] }, submitLabel),
        button(cancelLabel, { onclick: () => dialog.close('cancel'), 'data-cancel': '' })));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': descId }, form);
    onSubmit(form, busyLabel, async () => {
      clearErrors(form);
      try {
        result = await submit(form, dialog);
        if (result === false) return; // handler kept the dialog open
        dialog.close('ok');
      } catch (err) {
        if (err && err.status === 401 && err.code === 'unauthorized') {
          dialog.close('cancel');
          return;
        }
        showApiError(form, err, errorOptions);
      }
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      // A 204 (null) still means done: resolve true.
      resolve(dialog.returnValue === 'ok' ? (result ?? true) : undefined);
    });
    document.body.append(dialog);
    dialog.showModal();
    const firstInput = form.querySelector('input, select, textarea');
    (firstInput || form.querySelector('[data-cancel]')).focus();
  });
}

/** Ask before a destructive action; the action runs inside the dialog. */
export function confirmDialog({ title, message, confirmLabel, action }) {
  return openDialog({
    title,
    description: message,
    submitLabel: confirmLabel,
    busyLabel: 'Working…',
    danger: true,
    onSubmit: action,
  });
}

// ------------------------------------------------------------------ misc

export function badge(text, kind = 'neutral', title) {
  return h('span', { class: ['badge', `badge-${kind}`], title }, text);
}

export function emptyState(title, text, action) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), text ? h('p', {}, text) : null, action || null);
}

/** Placeholder blocks with the approximate size of what is loading. */
export function skeleton(lines = 3, label = 'Loading…') {
  return h('div', { class: 'skeleton-wrap', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'visually-hidden' }, label),
    Array.from({ length: lines }, () => h('div', { class: 'skeleton', 'aria-hidden': 'true' })));
}

export function errorBox(err, retry) {
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('p', {}, err && err.message ? err.message : String(err)),
    retry ? button('Try again', { small: true, onclick: retry }) : null);
}

/** The page heading that receives focus on navigation. */
export function pageHeader(title, intro, actions) {
  return h('div', { class: 'page-header' },
    h('div', {},
      h('h1', { tabindex: '-1', class: 'page-title' }, title),
      intro ? h('p', { class: 'lead' }, intro) : null),
    actions ? h('div', { class: 'page-actions' }, actions) : null);
}

/** Split "a, b\n c" into ["a","b","c"]. */
export function splitList(text) {
  return String(text || '').split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
}
