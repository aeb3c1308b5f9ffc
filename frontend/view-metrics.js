// Metric configs: list, create, edit, delete, with the API's validation
// messages next to their fields.

import { api } from './api.js';
import { confirmDialog } from './dialogs.js';
import { h, replace, uid } from './dom.js';
import { fmtDateTime } from './format.js';
import { renderForm } from './metric-form.js';
import { announce, badge, button, emptyState, linkButton, loadInto, pageHeader } from './widgets.js';

function typeBadge(t) {
  return badge(t, `type-${t}`);
}

// ------------------------------------------------------------------ list

function configCard(cfg, onDelete) {
  const titleId = uid('cfg');
  const labels = cfg.labels && typeof cfg.labels === 'object' ? Object.entries(cfg.labels) : [];
  const details = [];
  if (labels.length) {
    details.push(
      h(
        'div',
        {},
        h('dt', {}, 'Labels'),
        h(
          'dd',
          {},
          h(
            'ul',
            { class: 'chips' },
            labels.map(([k, v]) => h('li', { class: 'chip mono' }, v === null || v === undefined || v === '' ? k : `${k}=${v}`)),
          ),
        ),
      ),
    );
  }
  if (cfg.metric_type === 'histogram' && Array.isArray(cfg.buckets) && cfg.buckets.length) {
    details.push(h('div', {}, h('dt', {}, 'Buckets'), h('dd', { class: 'mono' }, cfg.buckets.join(', '))));
  }
  if (cfg.metric_type === 'summary' && Array.isArray(cfg.quantiles) && cfg.quantiles.length) {
    details.push(h('div', {}, h('dt', {}, 'Quantiles'), h('dd', { class: 'mono' }, cfg.quantiles.join(', '))));
  }
  if (cfg.auto_track || cfg.tracking_events?.length) {
    details.push(
      h(
        'div',
        {},
        h('dt', {}, 'Browser tracking'),
        h(
          'dd',
          {},
          cfg.auto_track ? 'Auto-track on' : 'Auto-track off',
          cfg.tracking_events?.length ? ` · events: ${cfg.tracking_events.join(', ')}` : '',
        ),
      ),
    );
  }
  details.push(h('div', {}, h('dt', {}, 'Updated'), h('dd', {}, fmtDateTime(cfg.updated_at || cfg.created_at))));
  return h(
    'li',
    {
      class: ['card', 'config-card', !cfg.is_active && 'is-inactive'],
      'aria-labelledby': titleId,
      dataset: { configId: cfg.id, metric: cfg.metric_name },
    },
    h(
      'div',
      { class: 'card-head' },
      h('h3', { id: titleId }, cfg.name || cfg.metric_name),
      h('span', { class: 'badges' }, typeBadge(cfg.metric_type), cfg.is_active ? null : badge('Inactive', 'muted')),
    ),
    h('p', { class: 'metric-name' }, h('code', { class: 'mono break' }, cfg.metric_name)),
    cfg.description ? h('p', { class: 'desc' }, cfg.description) : null,
    h('dl', { class: 'kv kv-compact' }, details),
    h(
      'div',
      { class: 'actions actions-wrap' },
      linkButton('Edit', `#/metrics/${encodeURIComponent(cfg.id)}`, { small: true, 'aria-label': `Edit ${cfg.name || cfg.metric_name}` }),
      linkButton('Get code', `#/code?config=${encodeURIComponent(cfg.id)}`, {
        small: true,
        'aria-label': `Get code for ${cfg.name || cfg.metric_name}`,
      }),
      button('Delete', {
        small: true,
        kind: 'danger-ghost',
        'aria-label': `Delete ${cfg.name || cfg.metric_name}`,
        onclick: () => onDelete(cfg),
      }),
    ),
  );
}

function renderList(view) {
  const listTitle = h('h2', { id: 'cfg-list-title', class: 'visually-hidden', tabindex: '-1' }, 'Your metrics');
  const body = h('div', { class: 'list' });
  let configs = [];

  async function onDelete(cfg) {
    const label = cfg.name || cfg.metric_name;
    const done = await confirmDialog({
      title: `Delete “${label}”?`,
      message: h(
        'p',
        {},
        'Pushes of ',
        h('code', { class: 'mono' }, cfg.metric_name),
        ' from browsers are refused from now on, and its series leave the next push to Prometheus. This cannot be undone.',
      ),
      confirmLabel: 'Delete metric',
      action: () => api.del(`/metric-configs/${encodeURIComponent(cfg.id)}`),
    });
    if (done) {
      configs = configs.filter((c) => c.id !== cfg.id);
      draw();
      listTitle.focus();
      announce(`Metric “${label}” deleted.`);
    }
  }

  function draw() {
    if (!configs.length) {
      replace(
        body,
        emptyState(
          'No metrics defined yet',
          'Declare a metric to send it from browsers, to fix its type and labels, or to choose histogram buckets. Server-side pushes may also send undeclared metrics.',
          linkButton('Define a metric', '#/metrics/new', { kind: 'primary' }),
        ),
      );
      return;
    }
    const sorted = [...configs].sort((a, b) => String(a.metric_name).localeCompare(String(b.metric_name)));
    replace(
      body,
      h(
        'ul',
        { class: 'cards cards-grid', 'data-testid': 'config-list' },
        sorted.map((c) => configCard(c, onDelete)),
      ),
    );
  }

  view.append(
    pageHeader(
      'Metrics',
      'The metrics you collect: their Prometheus names, types, labels and buckets.',
      linkButton('New metric', '#/metrics/new', { kind: 'primary' }),
    ),
    h('section', { class: 'section', 'aria-labelledby': 'cfg-list-title' }, listTitle, body),
  );
  loadInto(
    body,
    () => api.get('/metric-configs'),
    (_, res) => {
      configs = res.metric_configs || [];
      draw();
    },
    { label: 'Loading metrics…' },
  );
}

export function renderMetrics(view, ctx) {
  const sub = ctx.params[0];
  if (!sub) return renderList(view);
  return renderForm(view, ctx, sub === 'new' ? null : sub);
}
