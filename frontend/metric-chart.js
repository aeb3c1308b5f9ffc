// One metric's chart with its controls: time range, breakdown by one label (top 10 + "other"),
// auto-refresh. Used on the metric's page and, smaller, on the Insights page.

import { destroyCharts, timeChart } from './charts.js';
import { h, replace, uid } from './dom.js';
import { fmtCompact, fmtNumber, fmtSeconds } from './format.js';
import * as prom from './prom.js';
import { alignMatrices, chartQueries, RANGES, stepFor, topAndOther } from './queries.js';
import { emptyState, linkButton, loadInto } from './widgets.js';

export const REFRESH_MS = 30_000;

/** "No data yet" that says what to do. */
export function noDataYet(what) {
  return emptyState(
    `No data for ${what} in this range yet`,
    'Paste the tracking snippet into your site, or push with curl from a server: new numbers show here within a minute of arriving.',
    linkButton('Get the snippet or a curl command', '#/code', { kind: 'primary', small: true }),
  );
}

/** Runs the chart queries of `cfg` over the last `rangeSeconds`: {data, total, rate}. */
export async function loadMetric(cfg, rangeSeconds, breakdown) {
  const end = Math.floor(Date.now() / 1000);
  const start = end - rangeSeconds;
  const step = stepFor(rangeSeconds);
  const q = chartQueries(cfg, rangeSeconds, breakdown);
  const [parts, total, rate] = await Promise.all([
    Promise.all(q.series.map(async (s) => ({ result: await prom.range(s.query, start, end, step), legend: s.legend }))),
    q.total ? prom.scalar(q.total.query, end) : null,
    q.rate
      ? prom.range(q.rate.query, start, end, step).then((result) => alignMatrices(start, end, step, [{ result, legend: q.rate.legend }]))
      : null,
  ]);
  const data = alignMatrices(start, end, step, parts);
  data.series = topAndOther(data.series, 10);
  return { q, data, total, rate: rate ? { ...rate, series: topAndOther(rate.series, 10) } : null };
}

function formatFor(cfg) {
  return cfg.metric_type === 'histogram' || cfg.metric_type === 'summary' ? fmtSeconds : fmtCompact;
}

/** Draws a loaded metric into `el`. */
export function drawMetric(el, cfg, loaded, { compact = false } = {}) {
  destroyCharts(el);
  const { q, data, total, rate } = loaded;
  const hasPoints = data.series.some((s) => s.values.some((v) => v !== null));
  if (!hasPoints && !(total > 0)) {
    replace(el, noDataYet(cfg.metric_name));
    return;
  }
  const format = /seconds$/.test(cfg.metric_name) ? fmtSeconds : formatFor(cfg);
  replace(
    el,
    q.total
      ? h('p', { class: 'chart-total' }, `${q.total.label}: `, h('strong', { 'data-testid': 'chart-total' }, fmtNumber(total ?? 0)))
      : null,
    timeChart({ title: `${cfg.metric_name} (${q.unit})`, data, format, testid: `chart-${cfg.metric_name}`, height: compact ? 160 : 240 }),
    rate && !compact
      ? timeChart({
          title: `${cfg.metric_name}: observations per second`,
          data: rate,
          testid: `chart-${cfg.metric_name}-rate`,
          height: 160,
        })
      : null,
  );
}

/** The range picker: a radio group (arrow keys move within it). */
export function rangePicker(name, initial, onChange) {
  const legendId = uid('range');
  return h(
    'fieldset',
    { class: 'range-picker', 'aria-labelledby': legendId },
    h('legend', { id: legendId, class: 'visually-hidden' }, 'Time range'),
    RANGES.map((r) => {
      const id = uid(`range-${r.key}`);
      return h(
        'span',
        { class: 'range-option' },
        h('input', { type: 'radio', name, id, value: r.key, checked: r.key === initial, onchange: () => onChange(r) }),
        h('label', { for: id }, r.label),
      );
    }),
  );
}

/** Auto-refresh while the tab is visible; returns a stop function. */
export function autoRefresh(checkbox, reload) {
  const timer = setInterval(() => {
    if (checkbox.checked && document.visibilityState === 'visible') reload({ quiet: true });
  }, REFRESH_MS);
  return () => clearInterval(timer);
}

/** The full panel for a metric's page. Returns {el, stop}. */
export function metricPanel(cfg) {
  let range = RANGES[1];
  let breakdown = '';
  const body = h('div', { class: 'chart-body' });
  const labels = Object.keys(cfg.labels || {});
  const breakdownSel = h(
    'select',
    { id: uid('breakdown'), name: 'breakdown' },
    h('option', { value: '' }, 'No breakdown'),
    labels.map((l) => h('option', { value: l }, `By ${l} (top 10 + other)`)),
  );
  const refresh = h('input', { type: 'checkbox', id: uid('refresh'), checked: true });
  const reload = loadInto(
    body,
    () => loadMetric(cfg, range.seconds, breakdown || null),
    (el, loaded) => drawMetric(el, cfg, loaded),
    { lines: 4, label: `Loading the chart of ${cfg.metric_name}…` },
  );
  breakdownSel.addEventListener('change', () => {
    breakdown = breakdownSel.value;
    reload();
  });
  const controls = h(
    'div',
    { class: 'chart-controls' },
    rangePicker(uid('metric-range'), range.key, (r) => {
      range = r;
      reload();
    }),
    labels.length ? h('span', { class: 'field-inline' }, h('label', { for: breakdownSel.id }, 'Breakdown'), breakdownSel) : null,
    h('span', { class: 'field-inline' }, refresh, h('label', { for: refresh.id }, 'Auto-refresh every 30 s')),
  );
  const stop = autoRefresh(refresh, reload);
  const el = h(
    'section',
    { class: 'card section metric-chart', 'aria-labelledby': 'metric-chart-title' },
    h('h2', { id: 'metric-chart-title' }, 'Chart'),
    controls,
    body,
  );
  return {
    el,
    stop: () => {
      stop();
      destroyCharts(body);
    },
  };
}
