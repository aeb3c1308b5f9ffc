// Unit tests of the dashboard's chart queries and the pure helpers behind the charts
// (node --test frontend/test/). The queries themselves run against a real Prometheus in the
// e2e test (tests/e2e/dashboard.test.mjs) and in tests/ops.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  alignMatrices, chartQueries, delta, duration, labelsLegend, quote, RANGES, rate, selector, stepFor, topAndOther,
  trafficQueries, VITALS, vitalQueries, vitalShares, windowFor,
} from '../queries.js';

test('ranges, steps and windows', () => {
  assert.deepEqual(RANGES.map((r) => r.key), ['15m', '1h', '24h', '7d', '30d']);
  assert.equal(stepFor(900), 4);
  assert.equal(stepFor(30 * 86400), 10800);
  assert.ok(RANGES.every((r) => r.seconds / stepFor(r.seconds) <= 11_000), 'within Prometheus resolution limit');
  assert.equal(windowFor(4), 60);
  assert.equal(windowFor(10800), 10800);
  assert.deepEqual([60, 3600, 86400, 90, 7].map(duration), ['1m', '1h', '1d', '90s', '7s']);
});

test('selectors quote and escape label values', () => {
  assert.equal(quote('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
  assert.equal(selector('x'), 'x');
  assert.equal(selector('x_bucket', { le: '2.5', path: '/' }), 'x_bucket{le="2.5",path="/"}');
});

test('counter: increase per step summed across instances, exact total', () => {
  const q = chartQueries({ metric_name: 'signups_total', metric_type: 'counter' }, 3600);
  assert.equal(q.series[0].query, 'sum without (instance) (increase(signups_total[1m]))');
  assert.equal(q.total.query, 'sum (signups_total) - (sum (signups_total offset 1h) or sum (signups_total) * 0)');
  assert.equal(q.series[0].legend({ __name__: 'x', tenant: 't', job: 'pushgate', plan: 'pro' }), 'plan=pro');
  const by = chartQueries({ metric_name: 'signups_total', metric_type: 'counter' }, 7 * 86400, 'plan');
  assert.equal(by.series[0].query, 'sum by (plan) (increase(signups_total[42m]))');
  assert.equal(by.series[0].legend({}), '(none)');
});

test('gauge: per instance, and the legend says so', () => {
  const q = chartQueries({ metric_name: 'cart_items', metric_type: 'gauge' }, 900);
  assert.equal(q.series[0].query, 'cart_items');
  assert.equal(q.series[0].legend({ instance: 'a', shop: 'x' }), 'shop=x · instance a');
  assert.match(q.unit, /per instance/);
  const by = chartQueries({ metric_name: 'cart_items', metric_type: 'gauge' }, 900, 'shop');
  assert.equal(by.series[0].query, 'sum by (shop, instance) (cart_items)');
});

test('histogram: quantiles over the summed rate of buckets, and the rate of observations', () => {
  const q = chartQueries({ metric_name: 'checkout_seconds', metric_type: 'histogram' }, 900);
  assert.deepEqual(q.series.map((s) => s.query), [0.5, 0.9, 0.99].map((p) => `histogram_quantile(${p}, sum by (le) (rate(checkout_seconds_bucket[1m])))`));
  assert.deepEqual(q.series.map((s) => s.legend({})), ['p50', 'p90', 'p99']);
  assert.equal(q.rate.query, 'sum (rate(checkout_seconds_count[1m]))');
  const by = chartQueries({ metric_name: 'checkout_seconds', metric_type: 'histogram' }, 900, 'path');
  assert.equal(by.series[0].query, 'histogram_quantile(0.9, sum by (le, path) (rate(checkout_seconds_bucket[1m])))');
  assert.equal(by.rate.query, 'sum by (path) (rate(checkout_seconds_count[1m]))');
});

test('summary: its own quantiles, per instance', () => {
  const q = chartQueries({ metric_name: 'render_seconds', metric_type: 'summary' }, 900);
  assert.equal(q.series[0].query, 'max by (quantile, instance) (render_seconds)');
  assert.equal(q.series[0].legend({ quantile: '0.9', instance: 'i1' }), 'q0.9 · instance i1');
});

test('names that are not PromQL names are refused, not interpolated', () => {
  assert.throws(() => chartQueries({ metric_name: 'x} or vector(1) #', metric_type: 'counter' }, 900));
  assert.throws(() => chartQueries({ metric_name: 'x', metric_type: 'counter' }, 900, 'a b'));
  assert.throws(() => chartQueries({ metric_name: 'x', metric_type: 'nope' }, 900));
});

test('legends leave out job, tenant and instance', () => {
  assert.equal(labelsLegend({ __name__: 'x', job: 'pushgate', tenant: 't', instance: 'i' }), '');
  assert.equal(labelsLegend({ a: '1', b: '2' }), 'a=1, b=2');
});

test('top 10 and "other", point by point', () => {
  const series = Array.from({ length: 12 }, (_, i) => ({ name: `p${i}`, values: [i, null, i] }));
  const out = topAndOther(series, 10);
  assert.equal(out.length, 11);
  assert.deepEqual(out.slice(0, 2).map((s) => s.name), ['p11', 'p10']);
  assert.deepEqual(out[10], { name: 'other (2)', values: [1, null, 1], other: true });
  assert.equal(topAndOther(series.slice(0, 3), 10).length, 3);
});

test('matrices align on one time axis with gaps', () => {
  const data = alignMatrices(100, 110, 5, [
    { result: [{ metric: { a: '1' }, values: [[100, '1'], [110, '3']] }], legend: (m) => m.a },
    { result: [{ metric: {}, values: [[105, 'NaN']] }], legend: () => 'rate' },
  ]);
  assert.deepEqual(data.times, [100, 105, 110]);
  assert.deepEqual(data.series, [{ name: '1', values: [1, null, 3] }, { name: 'rate', values: [null, null, null] }]);
});

test('web vitals: the thresholds are bucket edges of SPEC §6, shares exact from them', () => {
  const edges = {
    web_vitals_lcp_seconds: [1, 2.5, 4, 6, 10],
    web_vitals_inp_seconds: [0.1, 0.2, 0.5, 1, 2],
    web_vitals_cls: [0.05, 0.1, 0.25, 0.5, 1],
    web_vitals_fcp_seconds: [1, 1.8, 3, 5],
    web_vitals_ttfb_seconds: [0.2, 0.8, 1.8, 3],
  };
  for (const v of VITALS) {
    assert.ok(edges[v.metric].includes(Number(v.good)) && edges[v.metric].includes(Number(v.poor)), v.name);
    assert.equal(String(Number(v.good)), v.good, 'le as Prometheus writes it');
  }
  const lcp = VITALS[0];
  const q = vitalQueries(lcp, 3600);
  assert.equal(q.good, 'sum (web_vitals_lcp_seconds_bucket{le="2.5"}) - (sum (web_vitals_lcp_seconds_bucket{le="2.5"} offset 1h) or sum (web_vitals_lcp_seconds_bucket{le="2.5"}) * 0)');
  assert.equal(q.all.includes('le="+Inf"'), true);
  assert.match(q.notPoor, /web_vitals_lcp_seconds_bucket\{le=~"4\|4\.0"\}/, 'a whole-number edge matches Prometheus 2 and 3');
  assert.equal(q.p75, 'histogram_quantile(0.75, sum by (le) (web_vitals_lcp_seconds_bucket) - (sum by (le) (web_vitals_lcp_seconds_bucket offset 1h) or sum by (le) (web_vitals_lcp_seconds_bucket) * 0))');
  assert.match(vitalQueries(lcp, 900, true).good, /^sum by \(path\) /);
  assert.deepEqual(vitalShares({ good: 6, notPoor: 9, all: 10 }), { good: 0.6, needsImprovement: 0.3, poor: 0.1, count: 10 });
  assert.equal(vitalShares({ good: 0, notPoor: 0, all: 0 }), null);
  assert.deepEqual([1, 2.5, 3, 4, 4.1].map((v) => rate(lcp, v)), ['good', 'good', 'needs-improvement', 'needs-improvement', 'poor']);
  assert.equal(rate(lcp, Number.NaN), null);
});

test('delta counts series that began inside the range', () => {
  assert.equal(delta('x', 60, ['path']), 'sum by (path) (x) - (sum by (path) (x offset 1m) or sum by (path) (x) * 0)');
  const t = trafficQueries(900);
  assert.equal(t.pageViews, 'sum by (path) (increase(page_views_total[1m]))');
  assert.equal(t.jsErrors, 'sum by (path) (increase(js_errors_total[1m]))');
});
