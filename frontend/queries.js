// The PromQL behind every chart, written once (issue 13) and unit-tested in
// frontend/test/queries.test.mjs. Every query goes through /prometheus/api/v1, which adds the
// tenant matcher itself: nothing here names a tenant.
//
//   counter   → increase per step summed across instances: sum without (instance) (increase(…))
//   gauge     → the value per instance (the legend says so: gauges are per instance)
//   histogram → p50 / p90 / p99 by histogram_quantile over the summed rate of buckets, and the
//               rate of observations
//   summary   → its own quantiles, per instance
// Totals over the whole range ("delta") are exact: the counter now minus the counter at the
// start of the range, counting series that began inside it, without rate extrapolation.

export const RANGES = [
  { key: '15m', label: '15 min', seconds: 15 * 60 },
  { key: '1h', label: '1 h', seconds: 3600 },
  { key: '24h', label: '24 h', seconds: 86400 },
  { key: '7d', label: '7 d', seconds: 7 * 86400 },
  { key: '30d', label: '30 d', seconds: 30 * 86400 },
];

/** About 240 points per chart, whole seconds, at least 1 s. */
export function stepFor(rangeSeconds, points = 240) {
  return Math.max(1, Math.ceil(rangeSeconds / points));
}

/** The window of rate()/increase(): a step, but at least 60 s so that it holds two scrapes. */
export function windowFor(step) {
  return Math.max(step, 60);
}

export function duration(seconds) {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** A PromQL string literal. */
export function quote(value) {
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** `name{a="1",b=~"x"}` from a name and {label: value} equality matchers. */
export function selector(name, matchers = {}) {
  const parts = Object.entries(matchers).map(([k, v]) => `${k}=${quote(v)}`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function checkNames(metric, breakdown) {
  if (!METRIC_NAME.test(metric)) throw new Error(`not a metric name: ${metric}`);
  if (breakdown && !LABEL_NAME.test(breakdown)) throw new Error(`not a label name: ${breakdown}`);
}

/** The change of a counter over the range, exactly, grouped by `by` (an array of labels). */
export function delta(sel, rangeSeconds, by = []) {
  const grouping = by.length ? ` by (${by.join(', ')})` : '';
  const now = `sum${grouping} (${sel})`;
  const then = `sum${grouping} (${sel} offset ${duration(rangeSeconds)})`;
  return `${now} - (${then} or ${now} * 0)`;
}

/**
 * The chart of one metric: [{query, legend(metric labels) → string}], plus `total` (an
 * instant query over the whole range) where the type has one.
 *   metric: {metric_name, metric_type}, range seconds, breakdown label or null
 */
export function chartQueries({ metric_name: name, metric_type: type }, rangeSeconds, breakdown = null) {
  checkNames(name, breakdown);
  const w = duration(windowFor(stepFor(rangeSeconds)));
  const by = breakdown ? ` by (${breakdown})` : '';
  switch (type) {
    case 'counter':
      return {
        unit: `per ${w}`,
        series: [
          breakdown
            ? { query: `sum${by} (increase(${name}[${w}]))`, legend: (m) => m[breakdown] ?? '(none)' }
            : { query: `sum without (instance) (increase(${name}[${w}]))`, legend: labelsLegend },
        ],
        total: { query: delta(name, rangeSeconds), label: 'Total in range' },
      };
    case 'gauge':
      return {
        unit: 'value per instance',
        series: [
          breakdown
            ? {
                query: `sum by (${breakdown}, instance) (${name})`,
                legend: (m) => `${m[breakdown] ?? '(none)'} · instance ${m.instance ?? '?'}`,
              }
            : { query: name, legend: (m) => `${labelsLegend(m) || name} · instance ${m.instance ?? '?'}` },
        ],
      };
    case 'histogram': {
      const buckets = `sum by (le${breakdown ? `, ${breakdown}` : ''}) (rate(${name}_bucket[${w}]))`;
      const q = (p) => ({
        query: `histogram_quantile(${p}, ${buckets})`,
        legend: (m) => (breakdown ? `p${Math.round(p * 100)} · ${m[breakdown] ?? '(none)'}` : `p${Math.round(p * 100)}`),
      });
      return {
        unit: 'quantiles',
        series: breakdown ? [q(0.9)] : [q(0.5), q(0.9), q(0.99)],
        rate: {
          query: `sum${by} (rate(${name}_count[${w}]))`,
          legend: (m) => (breakdown ? (m[breakdown] ?? '(none)') : 'observations / s'),
        },
        total: { query: delta(`${name}_count`, rangeSeconds), label: 'Observations in range' },
      };
    }
    case 'summary':
      return {
        unit: 'quantiles per instance',
        series: [
          {
            query: breakdown ? `max by (quantile, instance, ${breakdown}) (${name})` : `max by (quantile, instance) (${name})`,
            legend: (m) => `q${m.quantile}${breakdown ? ` · ${m[breakdown] ?? '(none)'}` : ''} · instance ${m.instance ?? '?'}`,
          },
        ],
        total: { query: delta(`${name}_count`, rangeSeconds), label: 'Observations in range' },
      };
    default:
      throw new Error(`unknown metric type ${type}`);
  }
}

const HIDDEN = new Set(['__name__', 'job', 'tenant', 'instance']);

/** `plan=pro, country=de` (without job/tenant/instance), or '' for a series without labels. */
export function labelsLegend(metric) {
  return Object.entries(metric || {})
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * Keep the `n` series with the largest sum over the range and add the rest up, point by
 * point, into "other". series: [{name, values: [number|null]}] on one time axis.
 */
export function topAndOther(series, n = 10) {
  const score = (s) => s.values.reduce((acc, v) => acc + (Number.isFinite(v) ? Math.abs(v) : 0), 0);
  const ranked = [...series].sort((a, b) => score(b) - score(a) || String(a.name).localeCompare(String(b.name)));
  if (ranked.length <= n) return ranked;
  const rest = ranked.slice(n);
  const length = Math.max(...rest.map((s) => s.values.length));
  const other = Array.from({ length }, (_, i) => {
    let sum = null;
    for (const s of rest) if (Number.isFinite(s.values[i])) sum = (sum ?? 0) + s.values[i];
    return sum;
  });
  return [...ranked.slice(0, n), { name: `other (${rest.length})`, values: other, other: true }];
}

/**
 * Prometheus matrices (one per query) → the aligned data uPlot draws:
 * {times: [s…], series: [{name, values}]}. Missing points are null (gaps).
 */
export function alignMatrices(start, end, step, parts) {
  const times = [];
  for (let t = start; t <= end + 1e-9; t += step) times.push(Math.round(t * 1000) / 1000);
  const index = new Map(times.map((t, i) => [t, i]));
  const series = [];
  for (const { result, legend } of parts) {
    for (const s of result || []) {
      const values = new Array(times.length).fill(null);
      for (const [t, v] of s.values || []) {
        const i = index.get(Math.round(Number(t) * 1000) / 1000);
        const x = Number(v);
        if (i !== undefined && Number.isFinite(x)) values[i] = x;
      }
      series.push({ name: legend(s.metric || {}), values });
    }
  }
  return { times, series };
}

// ------------------------------------------------------------------ web vitals (SPEC §6)

/** Core Web Vitals thresholds, as the bucket edges (`le`) the tracker's histograms carry. */
export const VITALS = [
  { key: 'lcp', name: 'LCP', title: 'Largest Contentful Paint', metric: 'web_vitals_lcp_seconds', good: '2.5', poor: '4', unit: 's' },
  { key: 'inp', name: 'INP', title: 'Interaction to Next Paint', metric: 'web_vitals_inp_seconds', good: '0.2', poor: '0.5', unit: 's' },
  { key: 'cls', name: 'CLS', title: 'Cumulative Layout Shift', metric: 'web_vitals_cls', good: '0.1', poor: '0.25', unit: '' },
  { key: 'fcp', name: 'FCP', title: 'First Contentful Paint', metric: 'web_vitals_fcp_seconds', good: '1.8', poor: '3', unit: 's' },
  { key: 'ttfb', name: 'TTFB', title: 'Time to First Byte', metric: 'web_vitals_ttfb_seconds', good: '0.8', poor: '1.8', unit: 's' },
];

/**
 * Instant queries for one vital over the range: p75, and the page loads at or below the good
 * threshold, at or below the poor one, and in all (exact counts from the buckets), overall
 * or `by (path)`.
 */
export function vitalQueries(vital, rangeSeconds, byPath = false) {
  const by = byPath ? ['path'] : [];
  const bucket = (le) => delta(`${vital.metric}_bucket{${leMatcher(le)}}`, rangeSeconds, by);
  return {
    p75: `histogram_quantile(0.75, ${delta(`${vital.metric}_bucket`, rangeSeconds, ['le', ...by])})`,
    good: bucket(vital.good),
    notPoor: bucket(vital.poor),
    all: bucket('+Inf'),
  };
}

/**
 * The `le` matcher of one bucket edge: Prometheus 2 stores a whole-number edge as "4",
 * Prometheus 3 as "4.0" (docs/operations.md), so whole numbers match both.
 */
export function leMatcher(le) {
  return /^\d+$/.test(le) ? `le=~"${le}|${le}.0"` : `le=${quote(le)}`;
}

/** Shares of good / needs improvement / poor from the three counts; null without page loads. */
export function vitalShares({ good, notPoor, all }) {
  if (!(all > 0)) return null;
  return { good: good / all, needsImprovement: (notPoor - good) / all, poor: (all - notPoor) / all, count: all };
}

/** "good", "needs-improvement" or "poor" for a p75 value, as the Core Web Vitals report rates it. */
export function rate(vital, value) {
  if (!Number.isFinite(value)) return null;
  if (value <= Number(vital.good)) return 'good';
  if (value <= Number(vital.poor)) return 'needs-improvement';
  return 'poor';
}

/** Page views and JS errors by path over time (counters, increase per step). */
export function trafficQueries(rangeSeconds) {
  const w = duration(windowFor(stepFor(rangeSeconds)));
  return {
    pageViews: `sum by (path) (increase(page_views_total[${w}]))`,
    jsErrors: `sum by (path) (increase(js_errors_total[${w}]))`,
    pageViewsTotal: delta('page_views_total', rangeSeconds),
    jsErrorsTotal: delta('js_errors_total', rangeSeconds),
    window: w,
  };
}
