#!/usr/bin/env node
// Runs every Grafana dashboard query (panels[].targets[].expr) and every
// template-variable query, with $tenant / $metric filled in, through the HTTP
// API of a real Prometheus that scrapes a real Pushgateway fed by the real
// pushgate (tests/ops/lib/stack.mjs), which is fed through its own API the way
// its users feed it (tests/ops/lib/feed.mjs): sign-ups, metric configs, key +
// secret pushes, and browser-style key-only pushes of the auto-track metrics.
// Prometheus runs the repository's prometheus/prometheus.yml and rules,
// adjusted only in target addresses and intervals.
// Asserts that each query returns data for the metric types its panel is
// meant for, that panels for other types stay empty, that the web-vital
// shares are exact, and that every rule evaluates without error.
//
// Needs prometheus, prometheus-pushgateway, PUSHGATE_BIN and
// PUSHGATE_TEST_ADMIN_URL (tests/ops/run.sh provides both).
// Usage: tests/ops/run.sh, or node tests/ops/dashboard_queries.mjs with those set.
// Last line: "N passed, M failed"; exit status 1 when something failed.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSTANCE, missing, startStack, tail, until } from './lib/stack.mjs';
import { expected, setup, step } from './lib/feed.mjs';
import { checkTenantDashboard } from './lib/tenant.mjs';
import { BUILTINS, api, hasData, interpolate, loadDashboard, query, targetsOf, usePrometheus, values, variableValues } from './lib/prom.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STEPS = Number(process.env.OPS_STEPS || 5);

let passed = 0;
let failed = 0;
function ok(cond, name, detail = '') {
  if (cond) { passed++; console.log(`ok - ${name}`); }
  else { failed++; console.log(`not ok - ${name}${detail ? `\n    ${detail}` : ''}`); }
  return cond;
}

// ----------------------------------------------------------------- the run
async function main(stack) {
  usePrometheus(stack.prometheus);
  ok(stack.config.includes(`targets: ['${new URL(stack.pushgateway).host}']`) && stack.config.includes(`targets: ['${new URL(stack.pushgate).host}']`),
    "the repository's prometheus.yml, its targets rewritten");

  const tenants = await setup(stack.pushgate);
  const ids = { t1: tenants.t1.id, t2: tenants.t2.id };
  const T1 = ids.t1;
  const T2 = ids.t2;
  // one step at a time, each seen by Prometheus before the next, so that every
  // counter has several distinct samples to take a rate of
  for (let k = 1; k <= STEPS; k++) {
    await step(stack.pushgate, tenants, k - 1);
    const want = expected(ids, k);
    await until(async () => {
      for (const [expr, v] of Object.entries(want)) {
        const got = values(await query(expr, true));
        if (got.length !== 1 || got[0] !== v) return false;
      }
      return true;
    }, `step ${k} in Prometheus (${JSON.stringify(want)})`, 20_000);
  }
  ok(true, `${STEPS} steps of pushes went through pushgate, the Pushgateway and Prometheus`);

  // targets up
  const up = await query('up', true);
  for (const job of ['pushgateway', 'pushgate-server']) {
    ok(up.some((s) => s.metric.job === job && s.value[1] === '1'), `target job="${job}" is up`, JSON.stringify(up.map((s) => s.metric)));
  }
  // honor_labels kept the job/instance pushgate pushed with
  const pv = await query('page_views_total', true);
  ok(pv.length === 2 && pv.every((s) => s.metric.job === 'pushgate' && s.metric.instance === INSTANCE && s.metric.tenant === T1),
    'pushed series keep job="pushgate", instance and tenant (honor_labels)', JSON.stringify(pv.map((s) => s.metric)));

  // ---------------------------------------------------------- web overview
  const web = loadDashboard(ROOT, 'web-overview.json');
  const webTenants = await variableValues(web.templating.list.find((v) => v.name === 'tenant'), {});
  ok(JSON.stringify(webTenants) === JSON.stringify([T1]), 'web-overview $tenant lists the tenants with page views', JSON.stringify(webTenants));
  const webVars = { ...BUILTINS, tenant: T1 };
  for (const { panel, t } of targetsOf(web)) {
    const expr = interpolate(t.expr, webVars);
    const res = await query(expr, t.instant);
    ok(hasData(res), `web-overview "${panel.title}" [${t.refId}] returns data`, expr);
  }
  // the good / needs improvement / poor shares of LCP are exact and add up to 1
  const lcp = web.panels.find((p) => p.title.startsWith('LCP: share'));
  const shares = {};
  for (const t of lcp.targets) shares[t.legendFormat] = values(await query(interpolate(t.expr, webVars), true))[0];
  ok(Math.abs(shares.good - 0.6) < 1e-9 && Math.abs(shares['needs improvement'] - 0.3) < 1e-9 && Math.abs(shares.poor - 0.1) < 1e-9,
    'LCP shares are good 60 %, needs improvement 30 %, poor 10 %', JSON.stringify(shares));
  // every vital's three shares add up to 1
  for (const p of web.panels.filter((x) => x.title.includes(': share of page loads'))) {
    let sum = 0;
    for (const t of p.targets) sum += values(await query(interpolate(t.expr, webVars), true))[0];
    ok(Math.abs(sum - 1) < 1e-9, `"${p.title}" shares add up to 1`, String(sum));
  }
  // another tenant sees nothing of T1's
  const pvT2 = await query(interpolate(web.panels.find((p) => p.title === 'Page views').targets[0].expr, { ...BUILTINS, tenant: T2 }), true);
  ok(!hasData(pvT2) || values(pvT2).every((v) => v === 0), 'web-overview shows no data of another tenant');

  // --------------------------------------------------------- custom metrics
  const custom = loadDashboard(ROOT, 'custom-metrics.json');
  const tenantVar = custom.templating.list.find((v) => v.name === 'tenant');
  const metricVar = custom.templating.list.find((v) => v.name === 'metric');
  const allTenants = await variableValues(tenantVar, {});
  ok(JSON.stringify(allTenants) === JSON.stringify([T1, T2].sort()), 'custom-metrics $tenant lists every tenant', JSON.stringify(allTenants));
  const metrics = await variableValues(metricVar, { tenant: T1 });
  for (const m of ['signups_total', 'cart_items', 'checkout_seconds', 'render_seconds', 'page_views_total', 'web_vitals_lcp_seconds']) {
    ok(metrics.includes(m), `custom-metrics $metric offers ${m}`, JSON.stringify(metrics));
  }
  ok(!metrics.some((m) => /_(bucket|sum|count)$/.test(m)), '$metric strips _bucket/_sum/_count', JSON.stringify(metrics));
  ok(!metrics.includes('orders_total') && !metrics.includes('push_time_seconds'), "$metric lists only the tenant's metrics", JSON.stringify(metrics));
  const t2Metrics = await variableValues(metricVar, { tenant: T2 });
  ok(JSON.stringify(t2Metrics) === JSON.stringify(['orders_total', 'signups_total']), 'second tenant sees its own metrics', JSON.stringify(t2Metrics));

  // which panels must show data for which type; the others must stay empty
  const kinds = { counter: 'signups_total', gauge: 'cart_items', histogram: 'checkout_seconds', summary: 'render_seconds' };
  const expect = (title) => {
    if (/\(counters\)$/.test(title)) return ['counter'];
    if (/\(gauges, counter totals\)$/.test(title)) return ['counter', 'gauge'];
    if (/histogram quantiles$/.test(title)) return ['histogram'];
    if (/summary quantiles$/.test(title)) return ['summary'];
    if (/\(histograms, summaries\)$/.test(title)) return ['histogram', 'summary'];
    return ['counter', 'gauge', 'histogram', 'summary'];
  };
  const mustBeEmpty = (title, kind) => (/histogram quantiles$/.test(title) && kind !== 'histogram')
    || (/summary quantiles$/.test(title) && kind !== 'summary')
    || (/\(counters\)$/.test(title) && (kind === 'histogram' || kind === 'summary'));
  for (const [kind, metric] of Object.entries(kinds)) {
    const vars = { ...BUILTINS, tenant: T1, metric };
    for (const { panel, t } of targetsOf(custom)) {
      const title = panel.title.replace('$metric', metric);
      const expr = interpolate(t.expr, vars);
      const res = await query(expr, t.instant);
      if (expect(panel.title).includes(kind)) ok(hasData(res), `custom-metrics "${title}" [${t.refId}] returns data for a ${kind}`, expr);
      else if (mustBeEmpty(panel.title, kind)) ok(!hasData(res), `custom-metrics "${title}" [${t.refId}] stays empty for a ${kind}`, expr);
    }
  }

  // ------------------------------------- the site owner's own Grafana dashboard
  await checkTenantDashboard(ROOT, stack.pushgate, tenants, ok);

  // --------------------------------------------------------- gateway health
  const health = loadDashboard(ROOT, 'gateway-health.json');
  for (const { panel, t } of targetsOf(health)) {
    const expr = interpolate(t.expr, BUILTINS);
    ok(hasData(await query(expr, t.instant)), `gateway-health "${panel.title}" [${t.refId}] returns data`, expr);
  }
  const reasons = (await query('sum by (reason) (pushgate_items_rejected_total)', true)).map((r) => r.metric.reason).sort();
  ok(JSON.stringify(reasons) === JSON.stringify(['invalid_value', 'undeclared_metric']),
    'gateway-health: the rejections pushgate counted are by reason invalid_value and undeclared_metric', JSON.stringify(reasons));

  // ------------------------------------------------------------------ rules
  const groups = (await api('/api/v1/rules')).groups;
  const rules = groups.flatMap((g) => g.rules);
  ok(rules.length > 0, `Prometheus loaded ${rules.length} rules from prometheus/rules`);
  const bad = rules.filter((r) => r.health !== 'ok');
  ok(bad.length === 0, 'every rule evaluates without error', JSON.stringify(bad.map((r) => [r.name, r.health, r.lastError])));
  const rec = await query('tenant:page_views_total:rate5m', true);
  ok(rec.length === 1 && rec[0].metric.tenant === T1 && Number(rec[0].value[1]) > 0, 'recording rule tenant:page_views_total:rate5m has data', JSON.stringify(rec));
  const good = await query('tenant:web_vitals_lcp_seconds:good_ratio_rate5m', true);
  ok(good.length === 1 && Math.abs(Number(good[0].value[1]) - 0.6) < 1e-9, 'recording rule good_ratio for LCP is 0.6', JSON.stringify(good));
  const firing = (await api('/api/v1/alerts')).alerts.filter((a) => a.state !== 'inactive').map((a) => a.labels.alertname);
  ok(!firing.includes('PushgateDown') && !firing.includes('PushgatewayDown') && !firing.includes('PushgateLastPushStale'),
    'no health alert pending on a healthy stack', JSON.stringify(firing));
}

const why = missing();
if (why) {
  console.log(`not ok - missing: ${why}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
let stack;
try {
  stack = await startStack(ROOT);
  await main(stack);
} catch (e) {
  ok(false, 'run', e.stack || String(e));
  if (stack) for (const n of ['pushgate', 'prometheus', 'pushgateway']) console.log(`--- ${n}.log (last lines)\n${tail(stack.dir, n)}`);
}
if (stack) await stack.stop().catch((e) => ok(false, 'stopping the stack', e.message));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
