// Sign in and sign up.

import { api } from './api.js';
import { h } from './dom.js';
import { clearErrors, field, formMessage, onSubmit, showApiError, showClientErrors, showFormMessage } from './forms.js';
import { state } from './state.js';

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

/** A password field with a show/hide toggle. */
function passwordField(opts) {
  const wrap = field({ type: 'password', spellcheck: 'false', ...opts });
  const input = wrap.control;
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-ghost btn-small pw-toggle',
      'aria-pressed': 'false',
      'aria-controls': input.id,
    },
    'Show',
  );
  toggle.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    toggle.setAttribute('aria-pressed', String(show));
    toggle.textContent = show ? 'Hide' : 'Show';
    toggle.setAttribute('aria-label', show ? 'Hide password' : 'Show password');
  });
  toggle.setAttribute('aria-label', 'Show password');
  const row = h('div', { class: 'pw-row' });
  input.replaceWith(row);
  row.append(input, toggle);
  return wrap;
}

function authShell(view, title, intro, form, footer) {
  view.append(
    h(
      'div',
      { class: 'auth' },
      h(
        'div',
        { class: 'card auth-card' },
        h('h1', { tabindex: '-1', class: 'page-title' }, title),
        h('p', { class: 'lead' }, intro),
        form,
        footer,
      ),
    ),
  );
}

function takeNotice(form) {
  if (state.notice) {
    showFormMessage(form, state.notice.text, state.notice.kind || 'info');
    state.notice = null;
  }
}

export function renderSignin(view, { app }) {
  const email = field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'username', required: true, inputmode: 'email' });
  const password = passwordField({ label: 'Password', name: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'Sign in' },
    formMessage(),
    email,
    password,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in')),
  );
  takeNotice(form);

  onSubmit(form, 'Signing in…', async () => {
    clearErrors(form);
    const body = { email: email.control.value.trim(), password: password.control.value };
    const errors = {};
    if (!body.email) errors.email = 'Enter your email address.';
    else if (!EMAIL_RE.test(body.email)) errors.email = 'Enter a valid email address, like name@example.com.';
    if (!body.password) errors.password = 'Enter your password.';
    if (Object.keys(errors).length) return showClientErrors(form, errors);
    try {
      const res = await api.post('/auth/signin', body, { auth: false });
      app.signedIn(res.user);
    } catch (err) {
      showApiError(form, err, { fieldFor: { invalid_credentials: 'password', unauthorized: 'password' } });
    }
  });

  authShell(
    view,
    'Sign in',
    'Sign in to manage your API keys, metrics and tracking code.',
    form,
    h('p', { class: 'auth-switch' }, 'New to pushgate? ', h('a', { href: '#/signup' }, 'Create an account')),
  );
}

export function renderSignup(view, { app }) {
  const first = field({ label: 'First name', name: 'first_name', autocomplete: 'given-name', optional: true });
  const last = field({ label: 'Last name', name: 'last_name', autocomplete: 'family-name', optional: true });
  const email = field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'email', required: true, inputmode: 'email' });
  const password = passwordField({
    label: 'Password',
    name: 'password',
    autocomplete: 'new-password',
    required: true,
    hint: 'At least 8 characters.',
  });
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'Create an account' },
    formMessage(),
    h('div', { class: 'row-2' }, first, last),
    email,
    password,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Create account')),
  );
  takeNotice(form);

  onSubmit(form, 'Creating account…', async () => {
    clearErrors(form);
    const body = { email: email.control.value.trim(), password: password.control.value };
    const fn = first.control.value.trim();
    const ln = last.control.value.trim();
    if (fn) body.first_name = fn;
    if (ln) body.last_name = ln;
    const errors = {};
    if (!body.email) errors.email = 'Enter your email address.';
    else if (!EMAIL_RE.test(body.email)) errors.email = 'Enter a valid email address, like name@example.com.';
    if (body.password.length < 8) errors.password = 'Use at least 8 characters.';
    if (Object.keys(errors).length) return showClientErrors(form, errors);
    try {
      const res = await api.post('/auth/signup', body, { auth: false });
      if (res.api_key?.api_secret) {
        state.pendingSecret = { ...res.api_key, welcome: true };
      }
      app.signedIn(res.user, { to: '#/keys' });
    } catch (err) {
      showApiError(form, err, { conflictField: 'email' });
    }
  });

  authShell(
    view,
    'Create your account',
    'You get a default API key right away, to start sending metrics in minutes.',
    form,
    h('p', { class: 'auth-switch' }, 'Already have an account? ', h('a', { href: '#/signin' }, 'Sign in')),
  );
}
