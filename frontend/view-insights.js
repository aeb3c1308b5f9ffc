// Insights (#/insights): the tenant's own numbers from Prometheus through the tenant-scoped
// API: a web vitals report (p75 and good / needs-improvement / poor shares, exactly from the
// threshold buckets, overall and for the top 10 paths), page views and JS errors by path over
// time, and a chart per declared metric. Time range picker and auto-refresh.

import { api } from './api.js';
import { destroyCharts, shareBar, timeChart } from './charts.js';
import { h, replace } from './dom.js';
import { fmtCompact, fmtNumber, fmtPercent, fmtSeconds } from './format.js';
import { autoRefresh, drawMetric, loadMetric, noDataYet, rangePicker } from './metric-chart.js';
import * as prom from './prom.js';
import { alignMatrices, RANGES, rate, stepFor, topAndOther, trafficQueries, VITALS, vitalQueries, vitalShares } from './queries.js';
import { emptyState, linkButton, loadInto, pageHeader } from './widgets.js';

const MAX_METRIC_CHARTS = 12;

const fmtVital = (vital, v) => (vital.unit === 's' ? fmtSeconds(v) : fmtCompact(v));
const RATING = { good: 'Good', 'needs-improvement': 'Needs improvement', poor: 'Poor' };

async function loadVitals(rangeSeconds) {
  const end = Math.floor(Date.now() / 1000);
  const byPath = (result) => new Map(result.map((s) => [s.metric.path ?? '', Number(s.value[1])]));
  return Promise.all(
    VITALS.map(async (vital) => {
      const overall = vitalQueries(vital, rangeSeconds);
      const paths = vitalQueries(vital, rangeSeconds, true);
      const [p75, good, notPoor, all, pathP75, pathAll] = await Promise.all([
        prom.scalar(overall.p75, end),
        prom.scalar(overall.good, end),
        prom.scalar(overall.notPoor, end),
        prom.scalar(overall.all, end),
        prom.instant(paths.p75, end).then(byPath),
        prom.instant(paths.all, end).then(byPath),
      ]);
      return { vital, p75, shares: vitalShares({ good, notPoor, all }), pathP75, pathAll };
    }),
  );
}

function ratingBadge(vital, value) {
  const r = rate(vital, value);
  return r
    ? h('span', { class: ['rating', `rating-${r}`] }, fmtVital(vital, value), h('span', { class: 'visually-hidden' }, ` (${RATING[r]})`))
    : h('span', { class: 'muted' }, '—');
}

function drawVitals(el, rows) {
  if (!rows.some((r) => r.shares)) {
    replace(
      el,
      emptyState(
        'No web vitals yet',
        'Web vitals come from the tracking snippet with auto-tracking on: paste it into your site, then open a few pages.',
        linkButton('Get the tracking snippet', '#/code', { kind: 'primary', small: true }),
      ),
    );
    return;
  }
  const overall = h(
    'table',
    { class: 'vitals-table', 'data-testid': 'vitals-table' },
    h('caption', {}, 'At the 75th percentile of page loads, as the Core Web Vitals report rates them'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Metric', 'p75', 'Good / needs improvement / poor', 'Page loads'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map(({ vital, p75, shares }) =>
        h(
          'tr',
          { dataset: { vital: vital.key } },
          h('th', { scope: 'row' }, h('abbr', { title: vital.title }, vital.name)),
          h('td', {}, ratingBadge(vital, p75)),
          h(
            'td',
            {},
            shares
              ? h(
                  'div',
                  { class: 'shares' },
                  shareBar(
                    shares,
                    `${vital.name}: ${fmtPercent(shares.good)} good, ${fmtPercent(shares.needsImprovement)} need improvement, ${fmtPercent(shares.poor)} poor`,
                  ),
                  h(
                    'span',
                    { class: 'share-text', dataset: { good: shares.good, ni: shares.needsImprovement, poor: shares.poor } },
                    `${fmtPercent(shares.good)} · ${fmtPercent(shares.needsImprovement)} · ${fmtPercent(shares.poor)}`,
                  ),
                )
              : h('span', { class: 'muted' }, 'no page loads'),
          ),
          h('td', { class: 'num' }, fmtNumber(shares ? shares.count : 0)),
        ),
      ),
    ),
  );
  // the top 10 paths by LCP page loads
  const loads = rows[0].pathAll;
  const top = [...loads.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([p]) => p);
  const paths = h(
    'table',
    { class: 'vitals-table vitals-paths', 'data-testid': 'vitals-paths' },
    h('caption', {}, 'p75 for the 10 paths with the most page loads'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Path'),
        rows.map(({ vital }) => h('th', { scope: 'col' }, vital.name)),
      ),
    ),
    h(
      'tbody',
      {},
      top.map((path) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row', class: 'mono break' }, path || '(none)'),
          rows.map(({ vital, pathP75 }) => h('td', {}, ratingBadge(vital, pathP75.get(path)))),
        ),
      ),
    ),
  );
  replace(el, h('div', { class: 'table-scroll' }, overall), top.length ? h('div', { class: 'table-scroll' }, paths) : null);
}

async function loadTraffic(rangeSeconds) {
  const end = Math.floor(Date.now() / 1000);
  const start = end - rangeSeconds;
  const step = stepFor(rangeSeconds);
  const q = trafficQueries(rangeSeconds);
  const byPath = (m) => m.path ?? '(none)';
  const [views, errors, viewsTotal, errorsTotal] = await Promise.all([
    prom.range(q.pageViews, start, end, step),
    prom.range(q.jsErrors, start, end, step),
    prom.scalar(q.pageViewsTotal, end),
    prom.scalar(q.jsErrorsTotal, end),
  ]);
  const align = (result) => {
    const d = alignMatrices(start, end, step, [{ result, legend: byPath }]);
    d.series = topAndOther(d.series, 10);
    return d;
  };
  return { q, views: align(views), errors: align(errors), viewsTotal, errorsTotal };
}

function drawTraffic(el, t) {
  destroyCharts(el);
  if (!(t.viewsTotal > 0) && !t.views.series.length) {
    replace(el, noDataYet('page views'));
    return;
  }
  replace(
    el,
    h(
      'p',
      { class: 'chart-total' },
      'Page views in range: ',
      h('strong', { 'data-testid': 'page-views-total' }, fmtNumber(t.viewsTotal ?? 0)),
      ' · JS errors: ',
      h('strong', { 'data-testid': 'js-errors-total' }, fmtNumber(t.errorsTotal ?? 0)),
    ),
    timeChart({ title: `Page views by path (per ${t.q.window}, top 10 + other)`, data: t.views, testid: 'chart-page-views' }),
    t.errors.series.length
      ? timeChart({ title: `JS errors by path (per ${t.q.window})`, data: t.errors, testid: 'chart-js-errors', height: 160 })
      : null,
  );
}

export function renderInsights(view) {
  let range = RANGES[1];
  const refresh = h('input', { type: 'checkbox', id: 'insights-refresh', checked: true });
  const vitalsBody = h('div', {});
  const trafficBody = h('div', {});
  const metricsBody = h('div', {});
  const reloads = [];
  const reloadAll = (opts) => {
    for (const r of reloads) r(opts);
  };

  view.append(
    pageHeader('Insights', 'Your own numbers from Prometheus: web vitals, traffic and your metrics. Only your data is ever queried.'),
    h(
      'div',
      { class: 'card chart-controls insights-controls' },
      rangePicker('insights-range', range.key, (r) => {
        range = r;
        reloadAll();
      }),
      h('span', { class: 'field-inline' }, refresh, h('label', { for: refresh.id }, 'Auto-refresh every 30 s')),
    ),
    h('section', { class: 'card section', 'aria-labelledby': 'vitals-title' }, h('h2', { id: 'vitals-title' }, 'Web vitals'), vitalsBody),
    h(
      'section',
      { class: 'card section', 'aria-labelledby': 'traffic-title' },
      h('h2', { id: 'traffic-title' }, 'Page views and JS errors'),
      trafficBody,
    ),
    h('section', { class: 'section', 'aria-labelledby': 'metrics-title' }, h('h2', { id: 'metrics-title' }, 'Your metrics'), metricsBody),
  );

  reloads.push(loadInto(vitalsBody, () => loadVitals(range.seconds), drawVitals, { label: 'Loading web vitals…' }));
  reloads.push(loadInto(trafficBody, () => loadTraffic(range.seconds), drawTraffic, { label: 'Loading page views…' }));
  reloads.push(
    loadInto(
      metricsBody,
      async () => {
        const { metric_configs: configs = [] } = await api.get('/metric-configs');
        const active = configs.filter((c) => c.is_active).slice(0, MAX_METRIC_CHARTS);
        return Promise.all(active.map(async (cfg) => ({ cfg, loaded: await loadMetric(cfg, range.seconds, null) })));
      },
      (el, items) => {
        destroyCharts(el);
        if (!items.length) {
          replace(
            el,
            emptyState(
              'No metrics declared',
              'Declare a metric to chart it here; undeclared ones pushed with curl are on the Live page.',
              linkButton('Define a metric', '#/metrics/new', { kind: 'primary', small: true }),
            ),
          );
          return;
        }
        replace(
          el,
          h(
            'ul',
            { class: 'cards cards-grid metric-charts' },
            items.map(({ cfg, loaded }) => {
              const slot = h('div', {});
              drawMetric(slot, cfg, loaded, { compact: true });
              return h(
                'li',
                { class: 'card' },
                h('h3', {}, h('a', { href: `#/metrics/${encodeURIComponent(cfg.id)}` }, cfg.name || cfg.metric_name)),
                slot,
              );
            }),
          ),
        );
      },
      { label: 'Loading your metrics…' },
    ),
  );

  const stop = autoRefresh(refresh, reloadAll);
  return () => {
    stop();
    for (const el of [trafficBody, metricsBody]) destroyCharts(el);
  };
}
