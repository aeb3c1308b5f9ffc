// API keys: list, create (secret shown once), rename, allowed origins,
// deactivate/reactivate, delete, scopes (push / read); the own-Grafana help (grafana-help.js).
// Over 300 lines: the list, the create form and the edit dialog share the keys they show
// (Biome puts each argument of the h() calls on a line of its own).

import { api } from './api.js';
import { confirmDialog, openDialog } from './dialogs.js';
import { h, replace, uid } from './dom.js';
import { fmtDateTime, parseDate } from './format.js';
import { checkbox, clearErrors, field, formMessage, onSubmit, showApiError, showClientErrors, splitList } from './forms.js';
import { grafanaSection } from './grafana-help.js';
import { takePendingSecret } from './state.js';
import { announce, badge, button, copyButton, emptyState, linkButton, loadInto, pageHeader, timeEl } from './widgets.js';

function keyStatus(key) {
  const exp = parseDate(key.expires_at);
  if (exp && exp.getTime() <= Date.now()) return { text: 'Expired', kind: 'warn' };
  if (!key.is_active) return { text: 'Inactive', kind: 'muted' };
  return { text: 'Active', kind: 'ok' };
}

const SCOPE_LABEL = { push: 'Push', read: 'Read' };

/** Two checkboxes in a fieldset: what the key may do. `.read()` → ['push', 'read'] subset. */
function scopesField(initial) {
  const push = checkbox({
    label: 'Push metrics',
    name: 'scope_push',
    checked: initial.includes('push'),
    hint: 'Send metrics from sites (with the public part) and servers (with the secret).',
  });
  const read = checkbox({
    label: 'Read metrics',
    name: 'scope_read',
    checked: initial.includes('read'),
    hint: 'Query your data through /prometheus with the key and its secret: for your own Grafana or scripts.',
  });
  const wrap = h(
    'fieldset',
    { class: 'fieldset', dataset: { field: 'scopes' } },
    h('legend', {}, 'What the key may do'),
    h('p', { class: 'field-error' }),
    push,
    read,
  );
  wrap.read = () => [push.control.checked && 'push', read.control.checked && 'read'].filter(Boolean);
  return wrap;
}

function originsHint() {
  return 'One origin per line, like https://www.example.com. Browsers on other sites are refused. Leave empty to accept any origin.';
}

/** The one-time secret display (after signup or key creation). */
export function secretPanel(key, { welcome = false, onDismiss } = {}) {
  const headingId = uid('secret-title');
  const pub = h('code', { class: 'mono break', 'data-testid': 'secret-api-key' }, key.api_key);
  const sec = h('code', { class: 'mono break secret', 'data-testid': 'secret-api-secret' }, key.api_secret);
  const heading = h(
    'h2',
    { id: headingId, tabindex: '-1' },
    welcome ? 'Your account is ready: here is your default API key' : `Key “${key.key_name}” created`,
  );
  const panel = h(
    'section',
    { class: 'card secret-panel', 'aria-labelledby': headingId, 'data-testid': 'secret-panel' },
    heading,
    h(
      'div',
      { class: 'alert alert-warn' },
      h(
        'p',
        {},
        h('strong', {}, 'Copy the secret now. It is shown only this once.'),
        ' pushgate stores only a hash of it: if you lose it, create a new key. Keep it out of browser code; the tracking code needs only the public key.',
      ),
    ),
    h(
      'dl',
      { class: 'kv' },
      h('div', {}, h('dt', {}, 'Key name'), h('dd', {}, key.key_name || 'Default key')),
      h('div', {}, h('dt', {}, 'Public key'), h('dd', { class: 'copy-row' }, pub, copyButton(pub, 'public key'))),
      h('div', {}, h('dt', {}, 'Secret'), h('dd', { class: 'copy-row' }, sec, copyButton(sec, 'secret'))),
    ),
    h(
      'div',
      { class: 'actions' },
      button('I have stored the secret', {
        kind: 'primary',
        onclick: () => {
          panel.remove();
          if (onDismiss) onDismiss();
        },
      }),
      welcome ? linkButton('Next: define a metric', '#/metrics/new', { kind: 'secondary' }) : null,
    ),
  );
  panel.focusHeading = () => heading.focus();
  return panel;
}

export function renderKeys(view) {
  let keys = [];
  const listSection = h('section', { class: 'section', 'aria-labelledby': 'keys-list-title' });
  const listTitle = h('h2', { id: 'keys-list-title', tabindex: '-1' }, 'Your keys');
  const listBody = h('div', { class: 'list' });
  const secretSlot = h('div', { class: 'secret-slot' });
  const newBtn = button('New key', { kind: 'primary', 'aria-expanded': 'false', 'aria-controls': 'new-key-form' });

  // -------------------------------------------------------------- create form
  const nameField = field({
    label: 'Key name',
    name: 'key_name',
    required: true,
    autocomplete: 'off',
    hint: 'Where you use it, like “marketing site” or “billing cron”.',
    maxlength: 100,
  });
  const originsField = field({
    label: 'Allowed origins',
    name: 'allowed_origins',
    type: 'textarea',
    optional: true,
    hint: originsHint(),
    spellcheck: 'false',
    autocapitalize: 'off',
  });
  const expiresField = field({
    label: 'Expires',
    name: 'expires_at',
    type: 'datetime-local',
    optional: true,
    hint: 'Leave empty for a key that does not expire.',
  });
  const createScopes = scopesField(['push']);
  const createForm = h(
    'form',
    { class: 'card form', id: 'new-key-form', hidden: true, 'aria-labelledby': 'new-key-title' },
    h('h2', { id: 'new-key-title' }, 'New API key'),
    formMessage(),
    nameField,
    createScopes,
    originsField,
    expiresField,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create key'),
      button('Cancel', { onclick: () => closeCreate(true) }),
    ),
  );

  function openCreate() {
    createForm.hidden = false;
    newBtn.setAttribute('aria-expanded', 'true');
    nameField.control.focus();
  }
  function closeCreate(focusButton) {
    createForm.hidden = true;
    createForm.reset();
    clearErrors(createForm);
    newBtn.setAttribute('aria-expanded', 'false');
    if (focusButton) newBtn.focus();
  }
  newBtn.addEventListener('click', () => (createForm.hidden ? openCreate() : closeCreate(true)));

  onSubmit(createForm, 'Creating…', async () => {
    clearErrors(createForm);
    const body = { key_name: nameField.control.value.trim(), scopes: createScopes.read() };
    if (!body.scopes.length) return showClientErrors(createForm, { scopes: 'Choose at least one: push, read or both.' });
    const origins = splitList(originsField.control.value);
    if (origins.length) body.allowed_origins = origins;
    if (expiresField.control.value) {
      const d = new Date(expiresField.control.value);
      if (Number.isNaN(d.getTime())) return showClientErrors(createForm, { expires_at: 'Enter a valid date and time.' });
      body.expires_at = d.toISOString();
    }
    if (!body.key_name) return showClientErrors(createForm, { key_name: 'Give the key a name.' });
    try {
      const key = await api.post('/apikeys', body);
      closeCreate(false);
      showSecret(key, false);
      keys = [key, ...keys.filter((k) => k.id !== key.id)];
      renderList();
      announce(`Key “${key.key_name}” created. Copy its secret now.`);
    } catch (err) {
      showApiError(createForm, err, { conflictField: 'key_name' });
    }
  });

  function showSecret(key, welcome) {
    const panel = secretPanel(key, {
      welcome,
      onDismiss: () => listTitle.focus(),
    });
    replace(secretSlot, panel);
    panel.focusHeading();
  }

  // -------------------------------------------------------------- list
  function keyCard(key) {
    const st = keyStatus(key);
    const titleId = uid('key');
    const pub = h('code', { class: 'mono break' }, key.api_key);
    const origins = key.allowed_origins?.length
      ? h(
          'ul',
          { class: 'chips' },
          key.allowed_origins.map((o) => h('li', { class: 'chip mono' }, o)),
        )
      : h('span', { class: 'muted' }, 'Any origin');
    const toggle = button(key.is_active ? 'Deactivate' : 'Reactivate', { small: true });
    toggle.addEventListener('click', () => setActive(key, !key.is_active, toggle));
    return h(
      'li',
      { class: ['card', 'key-card', !key.is_active && 'is-inactive'], 'aria-labelledby': titleId, dataset: { keyId: key.id } },
      h('div', { class: 'card-head' }, h('h3', { id: titleId }, key.key_name), badge(st.text, st.kind)),
      h(
        'dl',
        { class: 'kv' },
        h(
          'div',
          {},
          h('dt', {}, 'Public key'),
          h('dd', { class: 'copy-row' }, pub, copyButton(pub, `public key of ${key.key_name}`, { label: 'Copy' })),
        ),
        h(
          'div',
          {},
          h('dt', {}, 'Scopes'),
          h(
            'dd',
            { 'data-testid': 'key-scopes' },
            (key.scopes || ['push']).map((sc) => badge(SCOPE_LABEL[sc] || sc, 'neutral')),
          ),
        ),
        h('div', {}, h('dt', {}, 'Allowed origins'), h('dd', {}, origins)),
        h('div', {}, h('dt', {}, 'Last used'), h('dd', {}, timeEl(key.last_used_at))),
        h('div', {}, h('dt', {}, 'Created'), h('dd', {}, fmtDateTime(key.created_at))),
        key.expires_at ? h('div', {}, h('dt', {}, 'Expires'), h('dd', {}, fmtDateTime(key.expires_at))) : null,
      ),
      h(
        'div',
        { class: 'actions actions-wrap' },
        button('Edit', { small: true, 'aria-label': `Edit ${key.key_name}`, onclick: () => editKey(key) }),
        toggle,
        linkButton('Get code', `#/code?key=${encodeURIComponent(key.id)}`, { small: true, 'aria-label': `Get code for ${key.key_name}` }),
        button('Delete', { small: true, kind: 'danger-ghost', 'aria-label': `Delete ${key.key_name}`, onclick: () => deleteKey(key) }),
      ),
    );
  }

  function renderList() {
    if (!keys.length) {
      replace(
        listBody,
        emptyState(
          'No API keys yet',
          'A key lets your sites and scripts send metrics. Create one to get started.',
          button('Create a key', { kind: 'primary', onclick: openCreate }),
        ),
      );
      return;
    }
    const sorted = [...keys].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    replace(listBody, h('ul', { class: 'cards', 'data-testid': 'key-list' }, sorted.map(keyCard)));
  }

  function focusCard(id, selector) {
    const card = listBody.querySelector(`[data-key-id="${CSS.escape(id)}"]`);
    const target = card && (selector ? card.querySelector(selector) : card.querySelector('h3'));
    if (target) {
      if (target.tagName === 'H3') target.setAttribute('tabindex', '-1');
      target.focus();
    } else {
      listTitle.focus();
    }
  }

  async function setActive(key, active, btn) {
    if (btn.getAttribute('aria-disabled') === 'true') return;
    btn.setAttribute('aria-disabled', 'true');
    try {
      const updated = await api.patch(`/apikeys/${encodeURIComponent(key.id)}`, { is_active: active });
      keys = keys.map((k) => (k.id === key.id ? { ...k, ...updated } : k));
      renderList();
      announce(active ? `Key “${key.key_name}” reactivated.` : `Key “${key.key_name}” deactivated: it is refused until reactivated.`);
      // Keep focus on the (re-rendered) toggle of the same key.
      const card = listBody.querySelector(`[data-key-id="${CSS.escape(key.id)}"]`);
      const again = card && [...card.querySelectorAll('button')].find((b) => /activate/i.test(b.textContent));
      if (again) again.focus();
    } catch (err) {
      btn.removeAttribute('aria-disabled');
      if (err.code !== 'unauthorized') announce(err.message, 'error');
    }
  }

  async function editKey(key) {
    const name = field({ label: 'Key name', name: 'key_name', required: true, value: key.key_name, autocomplete: 'off', maxlength: 100 });
    const origins = field({
      label: 'Allowed origins',
      name: 'allowed_origins',
      type: 'textarea',
      optional: true,
      value: (key.allowed_origins || []).join('\n'),
      hint: originsHint(),
      spellcheck: 'false',
      autocapitalize: 'off',
    });
    const scopes = scopesField(key.scopes || ['push']);
    const updated = await openDialog({
      title: `Edit “${key.key_name}”`,
      body: [name, scopes, origins],
      submitLabel: 'Save changes',
      errorOptions: { conflictField: 'key_name' },
      onSubmit: async (form) => {
        const body = {};
        const newName = name.control.value.trim();
        if (!newName) {
          showClientErrors(form, { key_name: 'Give the key a name.' });
          return false;
        }
        if (newName !== key.key_name) body.key_name = newName;
        const chosen = scopes.read();
        if (!chosen.length) {
          showClientErrors(form, { scopes: 'Choose at least one: push, read or both.' });
          return false;
        }
        if (chosen.join() !== (key.scopes || ['push']).join()) body.scopes = chosen;
        const list = splitList(origins.control.value);
        const before = key.allowed_origins || [];
        if (list.length !== before.length || list.some((o, i) => o !== before[i])) body.allowed_origins = list;
        if (!Object.keys(body).length) return key;
        return api.patch(`/apikeys/${encodeURIComponent(key.id)}`, body);
      },
    });
    if (updated) {
      keys = keys.map((k) => (k.id === key.id ? { ...k, ...updated } : k));
      renderList();
      announce(`Key “${updated.key_name}” saved.`);
      focusCard(key.id, 'button');
    }
  }

  async function deleteKey(key) {
    const done = await confirmDialog({
      title: `Delete “${key.key_name}”?`,
      message: h(
        'p',
        {},
        'Sites and scripts using ',
        h('code', { class: 'mono' }, key.api_key),
        ' stop being able to send metrics at once. This cannot be undone.',
      ),
      confirmLabel: 'Delete key',
      action: () => api.del(`/apikeys/${encodeURIComponent(key.id)}`),
    });
    if (done) {
      keys = keys.filter((k) => k.id !== key.id);
      renderList();
      listTitle.focus();
      announce(`Key “${key.key_name}” deleted.`);
    }
  }

  view.append(
    pageHeader('API keys', 'Each key has a public part (pk_…), safe in browser code, and a secret (sk_…) for server-side pushes.', newBtn),
    secretSlot,
    createForm,
    listSection,
    grafanaSection(),
  );
  listSection.append(listTitle, listBody);

  const pending = takePendingSecret();
  if (pending) showSecret(pending, Boolean(pending.welcome));
  loadInto(
    listBody,
    () => api.get('/apikeys'),
    (_, res) => {
      keys = res.api_keys || [];
      renderList();
    },
    { label: 'Loading keys…' },
  );
}
