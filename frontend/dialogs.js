// Modal dialogs holding a form, and the confirmation of a destructive action.

import { h, uid } from './dom.js';
import { clearErrors, formMessage, onSubmit, showApiError } from './forms.js';
import { button } from './widgets.js';

/**
 * A modal dialog holding a form.
 *   openDialog({title, description, body: [nodes], submitLabel, danger, onSubmit(form, dialog)})
 * onSubmit may throw ApiError: it is shown in the dialog (fields + message).
 * Resolves with onSubmit's result, or undefined when cancelled. Focus returns
 * to the element that opened it.
 */
export function openDialog({
  title,
  description,
  body = [],
  submitLabel = 'Save',
  busyLabel = 'Saving…',
  danger = false,
  onSubmit: submit,
  errorOptions = {},
  cancelLabel = 'Cancel',
}) {
  const opener = document.activeElement;
  const titleId = uid('dlg-title');
  const descId = description ? uid('dlg-desc') : null;
  return new Promise((resolve) => {
    let result;
    const form = h(
      'form',
      { class: 'dialog-form', method: 'dialog' },
      h('h2', { id: titleId, class: 'dialog-title' }, title),
      description ? h('div', { id: descId, class: 'dialog-desc' }, description) : null,
      formMessage(),
      body,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: ['btn', danger ? 'btn-danger' : 'btn-primary'] }, submitLabel),
        button(cancelLabel, { onclick: () => dialog.close('cancel'), 'data-cancel': '' }),
      ),
    );
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
      if (opener?.isConnected && typeof opener.focus === 'function') opener.focus();
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
