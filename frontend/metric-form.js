// The metric config form (#/metrics/new, #/metrics/<id>): type, labels with defaults,
// buckets or quantiles, browser tracking; the API's validation messages next to their
// fields; on an existing metric's page, its chart above the form (metric-chart.js).
// Over 300 lines: one form whose fields, syncing and submit belong together (Biome puts each
// argument of the h() calls on a line of its own).

import { api } from './api.js';
import { h, replace, uid } from './dom.js';
import { checkbox, clearErrors, field, formMessage, onSubmit, setFieldError, showApiError, showClientErrors, splitList } from './forms.js';
import { metricPanel } from './metric-chart.js';
import { announce, button, emptyState, linkButton, loadInto, pageHeader, skeleton } from './widgets.js';

export const TYPES = [
  { value: 'counter', label: 'Counter', help: 'A total that only goes up: sign-ups, clicks, orders. Each push adds to it.' },
  {
    value: 'gauge',
    label: 'Gauge',
    help: 'A value that goes up and down: queue length, items in cart. Pushes set, increase or decrease it.',
  },
  {
    value: 'histogram',
    label: 'Histogram',
    help: 'Observations counted into buckets: durations, sizes. Percentiles across all clients in Grafana.',
  },
  { value: 'summary', label: 'Summary', help: 'Observations with quantiles computed by the gateway (per gateway instance).' },
];

const NAME_HINT =
  'Prometheus name: letters, digits, _ and :, not starting with a digit. Counters usually end in _total, durations in _seconds.';

function labelsEditor(initial) {
  const list = h('ol', { class: 'label-rows' });
  const empty = h('p', { class: 'muted label-empty' }, 'No labels: every push goes to one series.');
  const addBtn = button('Add label', { small: true });
  const wrap = h(
    'fieldset',
    { class: 'fieldset', dataset: { field: 'labels' } },
    h('legend', {}, 'Labels', h('span', { class: 'optional' }, ' (optional)')),
    h(
      'p',
      { class: 'hint', id: uid('labels-hint') },
      'The label names pushes may use. A default fills in a label a push leaves out. Keep values few (plan, country), never ids or URLs.',
    ),
    h('p', { class: 'field-error' }),
    empty,
    list,
    addBtn,
  );

  function renumber() {
    [...list.children].forEach((row, i) => {
      row.querySelector('.label-remove').setAttribute('aria-label', `Remove label ${i + 1}`);
      for (const num of row.querySelectorAll('.label-num')) num.textContent = `Label ${i + 1} `;
    });
    empty.hidden = list.children.length > 0;
  }

  function addRow(name = '', def = '', focus = false) {
    const numA = h('span', { class: 'label-num visually-hidden' });
    const numB = h('span', { class: 'label-num visually-hidden' });
    const n = field({
      label: [numA, 'Name'],
      name: 'label_name',
      value: name,
      autocomplete: 'off',
      spellcheck: 'false',
      autocapitalize: 'off',
      className: 'label-name',
    });
    const d = field({
      label: [numB, 'Default value'],
      name: 'label_default',
      value: def ?? '',
      optional: true,
      autocomplete: 'off',
      className: 'label-default',
    });
    // Per-row errors are found by resolveLabelField, not by data-field.
    delete n.dataset.field;
    delete d.dataset.field;
    const remove = button('Remove', { small: true, kind: 'danger-ghost', class: 'label-remove' });
    const row = h('li', { class: 'label-row' }, n, d, remove);
    row.nameField = n;
    row.defaultField = d;
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber();
      announce('Label removed.');
      if (next) next.nameField.control.focus();
      else addBtn.focus();
    });
    list.append(row);
    renumber();
    if (focus) n.control.focus();
  }

  addBtn.addEventListener('click', () => addRow('', '', true));
  for (const [k, v] of Object.entries(initial || {})) addRow(k, v === null ? '' : String(v));
  renumber();

  wrap.read = () => {
    const out = {};
    const errors = [];
    [...list.children].forEach((row, i) => {
      const name = row.nameField.control.value.trim();
      const def = row.defaultField.control.value;
      if (!name && !def) return;
      if (!name) {
        errors.push([row.nameField, `Label ${i + 1} needs a name.`]);
        return;
      }
      if (Object.hasOwn(out, name)) {
        errors.push([row.nameField, `“${name}” is used twice.`]);
        return;
      }
      out[name] = def === '' ? null : def;
    });
    return { value: out, errors };
  };
  /** API field "labels.plan" / "labels[0]" / "labels.plan.default" → row field */
  wrap.resolve = (key) => {
    const m = /^labels(?:\.|\[)([^\].]+)\]?(?:\.(\w+))?/.exec(key);
    if (!m) return null;
    const rows = [...list.children];
    let row = rows.find((r) => r.nameField.control.value.trim() === m[1]);
    if (!row && /^\d+$/.test(m[1])) row = rows[Number(m[1])];
    if (!row) return null;
    return m[2] && /default|value/.test(m[2]) ? row.defaultField : row.nameField;
  };
  return wrap;
}

function parseNumbers(text) {
  const parts = splitList(text);
  const bad = parts.find((p) => !Number.isFinite(Number(p)));
  if (bad !== undefined) return { error: `“${bad}” is not a number.` };
  return { value: parts.map(Number) };
}

export function renderForm(view, ctx, id) {
  const editing = Boolean(id);
  const title = editing ? 'Edit metric' : 'New metric';
  const formSlot = h('div', {}, skeleton(6, 'Loading metric…'));
  const chartSlot = h('div', { class: 'chart-slot' });
  let stopChart = () => {};
  view.append(
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/metrics' }, '← All metrics')),
    pageHeader(title, editing ? null : 'Declare a metric so browsers may send it and its type, labels and buckets are fixed.'),
    chartSlot,
    formSlot,
  );

  const build = (cfg) => {
    const original = cfg || {};
    const name = field({
      label: 'Display name',
      name: 'name',
      required: true,
      value: original.name,
      autocomplete: 'off',
      hint: 'A readable name for this dashboard, like “Sign-ups”.',
      maxlength: 200,
    });
    const metricName = field({
      label: 'Metric name',
      name: 'metric_name',
      required: true,
      value: original.metric_name,
      autocomplete: 'off',
      spellcheck: 'false',
      autocapitalize: 'off',
      hint: NAME_HINT,
      class: 'mono',
    });
    const typeFs = h(
      'fieldset',
      { class: 'fieldset type-choice', dataset: { field: 'metric_type' } },
      h('legend', {}, 'Type'),
      h('p', { class: 'field-error' }),
      h(
        'div',
        { class: 'radio-cards' },
        TYPES.map((t) => {
          const rid = uid('type');
          const hid = `${rid}-help`;
          return h(
            'div',
            { class: 'radio-card' },
            h('input', {
              type: 'radio',
              name: 'metric_type',
              id: rid,
              value: t.value,
              'aria-describedby': hid,
              checked: (original.metric_type || 'counter') === t.value,
            }),
            h('label', { for: rid }, h('span', { class: 'radio-title' }, t.label), h('span', { class: 'radio-help', id: hid }, t.help)),
          );
        }),
      ),
    );
    const buckets = field({
      label: 'Buckets',
      name: 'buckets',
      optional: true,
      autocomplete: 'off',
      spellcheck: 'false',
      value: Array.isArray(original.buckets) ? original.buckets.join(', ') : '',
      placeholder: '0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10',
      hint: 'Upper bounds, strictly increasing, separated by commas. Empty: the Prometheus defaults (0.005 … 10).',
    });
    const quantiles = field({
      label: 'Quantiles',
      name: 'quantiles',
      optional: true,
      autocomplete: 'off',
      spellcheck: 'false',
      value: Array.isArray(original.quantiles) ? original.quantiles.join(', ') : '',
      placeholder: '0.5, 0.9, 0.99',
      hint: 'Between 0 and 1, separated by commas, like 0.5, 0.9, 0.99. Empty: the server’s defaults.',
    });
    const description = field({
      label: 'Description',
      name: 'description',
      type: 'textarea',
      optional: true,
      value: original.description,
      rows: 2,
    });
    const help = field({
      label: 'Help text',
      name: 'help',
      optional: true,
      value: original.help,
      hint: 'The HELP line Prometheus shows. Empty: the description or the display name.',
    });
    const labels = labelsEditor(original.labels);
    const autoTrack = checkbox({
      label: 'Track automatically in the browser',
      name: 'auto_track',
      checked: Boolean(original.auto_track),
      hint: 'The generated tracking code records this metric on the events below without extra code.',
    });
    const events = field({
      label: 'Tracking events',
      name: 'tracking_events',
      optional: true,
      autocomplete: 'off',
      spellcheck: 'false',
      value: Array.isArray(original.tracking_events) ? original.tracking_events.join(', ') : '',
      hint: 'Event names, separated by commas, like click, submit.',
    });
    const active = checkbox({
      label: 'Active',
      name: 'is_active',
      checked: original.is_active !== false,
      hint: 'Inactive metrics are refused from browsers and left out of the tracking code.',
    });

    const resetNote = editing ? h('div', { class: 'alert alert-info reset-note', 'aria-live': 'polite' }) : null;
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, editing ? 'Save changes' : 'Create metric');
    const form = h(
      'form',
      { class: 'card form metric-form', 'aria-label': title },
      formMessage(),
      resetNote,
      name,
      metricName,
      typeFs,
      buckets,
      quantiles,
      labels,
      h(
        'details',
        {
          class: 'more',
          open:
            Boolean(original.description || original.help || original.auto_track || (original.tracking_events || []).length) || undefined,
        },
        h('summary', {}, 'Description, help text and browser tracking'),
        description,
        help,
        autoTrack,
        events,
      ),
      active,
      h('div', { class: 'actions' }, submit, linkButton('Cancel', '#/metrics')),
    );

    const currentType = () => form.querySelector('input[name="metric_type"]:checked')?.value || 'counter';
    const syncType = () => {
      const t = currentType();
      buckets.hidden = t !== 'histogram';
      quantiles.hidden = t !== 'summary';
    };
    const syncReset = () => {
      if (!resetNote) return;
      const changed =
        metricName.control.value.trim() !== (original.metric_name || '') ||
        currentType() !== original.metric_type ||
        (currentType() === 'histogram' && buckets.control.value.replace(/\s/g, '') !== (original.buckets || []).join(',')) ||
        (currentType() === 'summary' && quantiles.control.value.replace(/\s/g, '') !== (original.quantiles || []).join(','));
      resetNote.classList.toggle('alert-warn', changed);
      resetNote.classList.toggle('alert-info', !changed);
      replace(
        resetNote,
        h(
          'p',
          {},
          changed
            ? 'Saving resets this metric’s series: the metric name, type, buckets or quantiles changed, so its counts start again from zero.'
            : 'Changing the metric name, type, buckets or quantiles resets this metric’s series (counts start again from zero). Other changes keep them.',
        ),
      );
    };
    form.addEventListener('change', () => {
      syncType();
      syncReset();
    });
    form.addEventListener('input', syncReset);
    syncType();
    syncReset();

    onSubmit(form, editing ? 'Saving…' : 'Creating…', async () => {
      clearErrors(form);
      const type = currentType();
      const body = {
        name: name.control.value.trim(),
        metric_name: metricName.control.value.trim(),
        metric_type: type,
        auto_track: autoTrack.control.checked,
        tracking_events: splitList(events.control.value),
        is_active: active.control.checked,
      };
      const errors = {};
      const desc = description.control.value.trim();
      const helpText = help.control.value.trim();
      if (desc) body.description = desc;
      if (helpText) body.help = helpText;
      const lab = labels.read();
      body.labels = lab.value;
      if (type === 'histogram') {
        const b = parseNumbers(buckets.control.value);
        if (b.error) errors.buckets = b.error;
        else if (b.value.length) body.buckets = b.value;
      }
      if (type === 'summary') {
        const q = parseNumbers(quantiles.control.value);
        if (q.error) errors.quantiles = q.error;
        else if (q.value.length) body.quantiles = q.value;
      }
      if (!body.name) errors.name = 'Give the metric a display name.';
      if (!body.metric_name) errors.metric_name = 'Enter the Prometheus metric name.';
      if (Object.keys(errors).length || lab.errors.length) {
        showClientErrors(form, errors);
        for (const [wrap, msg] of lab.errors) setFieldError(wrap, msg);
        if (!Object.keys(errors).length) lab.errors[0][0].control.focus();
        return;
      }
      try {
        const saved = editing ? await api.put(`/metric-configs/${encodeURIComponent(id)}`, body) : await api.post('/metric-configs', body);
        announce(editing ? `Metric “${saved.name || body.name}” saved.` : `Metric “${saved.name || body.name}” created.`);
        ctx.navigate('#/metrics');
      } catch (err) {
        showApiError(form, err, { conflictField: 'metric_name', resolve: labels.resolve });
      }
    });

    replace(formSlot, form);
  };

  if (!editing) {
    build(null);
  } else {
    const fetchConfig = () =>
      api.get(`/metric-configs/${encodeURIComponent(id)}`).catch((err) => {
        if (err.status === 404) return null;
        throw err;
      });
    loadInto(
      formSlot,
      fetchConfig,
      (_, cfg) => {
        if (cfg) {
          const panel = metricPanel(cfg);
          replace(chartSlot, panel.el);
          stopChart = panel.stop;
          build(cfg);
        } else {
          replace(
            formSlot,
            emptyState(
              'This metric no longer exists',
              'It may have been deleted.',
              linkButton('All metrics', '#/metrics', { kind: 'primary' }),
            ),
          );
        }
      },
      { lines: 6, label: 'Loading metric…' },
    );
  }
  return () => stopChart();
}
