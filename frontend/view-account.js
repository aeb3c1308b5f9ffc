// Account: profile, sign out, delete the account (asks for the password).

import { api } from './api.js';
import { openDialog } from './dialogs.js';
import { h } from './dom.js';
import { fmtDateTime } from './format.js';
import { field, showClientErrors } from './forms.js';
import { state } from './state.js';
import { announce, button, pageHeader } from './widgets.js';

export function renderAccount(view, { app }) {
  const u = state.user || {};
  const fullName = [u.first_name, u.last_name].filter(Boolean).join(' ');

  const signOut = button('Sign out', { onclick: () => document.getElementById('signout').click() });
  const del = button('Delete account…', { kind: 'danger' });

  del.addEventListener('click', async () => {
    const pw = field({ label: 'Your password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const done = await openDialog({
      title: 'Delete your account?',
      description: h(
        'div',
        {},
        h(
          'p',
          {},
          'This deletes your account, all its API keys and metric configs at once. Sites using your keys stop sending data, and your series leave Prometheus with the next push.',
        ),
        h('p', {}, h('strong', {}, 'This cannot be undone.'), ' Enter your password to confirm.'),
      ),
      body: [pw],
      submitLabel: 'Delete my account',
      busyLabel: 'Deleting…',
      danger: true,
      errorOptions: { fieldFor: { invalid_credentials: 'password', unauthorized: 'password' } },
      onSubmit: async (form) => {
        if (!pw.control.value) {
          showClientErrors(form, { password: 'Enter your password to confirm.' });
          return false;
        }
        await api.del('/auth/me', { password: pw.control.value });
        return true;
      },
    });
    if (done) {
      app.signedOut({ kind: 'ok', text: 'Your account was deleted. Thank you for using pushgate.' });
      announce('Your account was deleted.');
    }
  });

  view.append(
    pageHeader('Account', null),
    h(
      'section',
      { class: 'card section', 'aria-labelledby': 'profile-title' },
      h('h2', { id: 'profile-title' }, 'Profile'),
      h(
        'dl',
        { class: 'kv' },
        h('div', {}, h('dt', {}, 'Email'), h('dd', { 'data-testid': 'account-email' }, u.email || '—')),
        h('div', {}, h('dt', {}, 'Name'), h('dd', {}, fullName || h('span', { class: 'muted' }, 'not set'))),
        h('div', {}, h('dt', {}, 'Member since'), h('dd', {}, fmtDateTime(u.created_at))),
      ),
      h('div', { class: 'actions' }, signOut),
    ),
    h(
      'section',
      { class: 'card section danger-zone', 'aria-labelledby': 'danger-title' },
      h('h2', { id: 'danger-title' }, 'Delete account'),
      h('p', {}, 'Removes your account with its API keys, metric configs and series. You will be asked for your password.'),
      h('div', { class: 'actions' }, del),
    ),
  );
}
