#!/usr/bin/env node
// Runs every Grafana dashboard query (panels[].targets[].expr) and every
// template-variable query against a real Prometheus, fed the way production
// feeds it:
//   * a real Pushgateway receives pushes shaped like pushgate's (one group
//     job="pushgate", instance="ops-test", a tenant label on every series,
//     the built-in browser metrics and custom counter/gauge/histogram/summary);
//   * a small HTTP server here stands in for pushgate's own /metrics;
//   * Prometheus runs with the repo's prometheus/prometheus.yml (targets and
//     intervals rewritten the way scripts/dev does) and the repo's rules.
// Asserts that each query returns data for the metric types its panel is
// meant for, that panels for other types stay empty, that the web-vital
// shares are right, and that every rule evaluates without error.
//
// Needs the `prometheus` and `prometheus-pushgateway` binaries (Debian
// packages of those names) or PROMETHEUS_BIN / PUSHGATEWAY_BIN.
// Usage: node tests/ops/dashboard_queries.mjs        (about 25 s)
// Last line: "N passed, M failed"; exit status 1 when something failed.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN || 'prometheus';
const PUSHGATEWAY_BIN = process.env.PUSHGATEWAY_BIN || 'prometheus-pushgateway';
const PUSHES = Number(process.env.OPS_PUSHES || 14); // one a second

const T1 = '0b7d1f9e-3c2a-4f5e-9a1b-2c3d4e5f6a7b'; // tenant with everything
const T2 = '9f8e7d6c-5b4a-4321-8765-0fedcba98765'; // tenant with one custom counter

let passed = 0;
let failed = 0;
function ok(cond, name, detail = '') {
  if (cond) { passed++; console.log(`ok - ${name}`); }
  else { failed++; console.log(`not ok - ${name}${detail ? `\n    ${detail}` : ''}`); }
  return cond;
}

// ------------------------------------------------------------------ helpers
const children = [];
let tmp;
function cleanup() {
  for (const c of children) { try { c.kill('SIGTERM'); } catch { /* gone */ } }
  if (tmp && !process.env.OPS_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => { cleanup(); process.exit(130); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

function haveBinary(bin) {
  return spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
}

function start(bin, args, logName) {
  const log = fs.openSync(path.join(tmp, logName), 'a');
  const child = spawn(bin, args, { stdio: ['ignore', log, log] });
  children.push(child);
  child.on('exit', (code, sig) => { child.exited = { code, sig }; });
  return child;
}

async function waitReady(url, child, what, timeoutMs = 30000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child && child.exited) throw new Error(`${what} exited: ${JSON.stringify(child.exited)}`);
    try { const r = await fetch(url); if (r.ok) return; } catch { /* not yet */ }
    await sleep(200);
  }
  throw new Error(`${what} not ready at ${url} after ${timeoutMs} ms`);
}

// ------------------------------------------------- what pushgate would push
const LCP_PER_PUSH = [[1.5, 6], [3, 3], [7, 1]]; // good 60 %, needs improvement 30 %, poor 10 %

class Hist {
  constructor(buckets) { this.buckets = buckets; this.counts = buckets.map(() => 0); this.sum = 0; this.count = 0; }
  observe(v, n = 1) {
    this.buckets.forEach((b, i) => { if (v <= b) this.counts[i] += n; });
    this.sum += v * n; this.count += n;
  }
  lines(name, labels) {
    const l = (extra) => `{${Object.entries({ ...labels, ...extra }).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    return [
      ...this.buckets.map((b, i) => `${name}_bucket${l({ le: String(b) })} ${this.counts[i]}`),
      `${name}_bucket${l({ le: '+Inf' })} ${this.count}`,
      `${name}_sum${l({})} ${this.sum}`,
      `${name}_count${l({})} ${this.count}`,
    ];
  }
}

const BUILTIN_BUCKETS = {
  page_load_seconds: [0.5, 1, 2, 3, 5, 8, 13],
  web_vitals_lcp_seconds: [1, 2.5, 4, 6, 10],
  web_vitals_inp_seconds: [0.1, 0.2, 0.5, 1, 2],
  web_vitals_cls: [0.05, 0.1, 0.25, 0.5, 1],
  web_vitals_fcp_seconds: [1, 1.8, 3, 5],
  web_vitals_ttfb_seconds: [0.2, 0.8, 1.8, 3],
  time_on_page_seconds: [5, 15, 30, 60, 180, 600],
};
const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const PATHS = ['/', '/pricing'];

const state = {
  pageViews: Object.fromEntries(PATHS.map((p) => [p, 0])),
  jsErrors: { error: 0, unhandledrejection: 0 },
  hists: Object.fromEntries(Object.entries(BUILTIN_BUCKETS).map(([n, b]) => [n, Object.fromEntries(PATHS.map((p) => [p, new Hist(b)]))])),
  signups: { free: 0, pro: 0 },
  cartItems: 0,
  checkout: new Hist(DEFAULT_BUCKETS),
  renderSum: 0, renderCount: 0,
  t2Orders: 0,
};

function step(k) {
  state.pageViews['/'] += 5; state.pageViews['/pricing'] += 2;
  state.jsErrors.error += 1; if (k % 2) state.jsErrors.unhandledrejection += 1;
  for (const p of PATHS) {
    const h = state.hists;
    h.page_load_seconds[p].observe(1.2, 3); h.page_load_seconds[p].observe(4, 1);
    for (const [v, n] of LCP_PER_PUSH) h.web_vitals_lcp_seconds[p].observe(v, n);
    h.web_vitals_inp_seconds[p].observe(0.15, 2); h.web_vitals_inp_seconds[p].observe(0.7, 1);
    h.web_vitals_cls[p].observe(0.02, 3); h.web_vitals_cls[p].observe(0.3, 1);
    h.web_vitals_fcp_seconds[p].observe(1.2, 2); h.web_vitals_fcp_seconds[p].observe(2.5, 1);
    h.web_vitals_ttfb_seconds[p].observe(0.3, 3); h.web_vitals_ttfb_seconds[p].observe(2.0, 1);
    h.time_on_page_seconds[p].observe(42, 2);
  }
  state.signups.free += 3; state.signups.pro += 1;
  state.cartItems = 3 + (k % 4);
  state.checkout.observe(0.42, 2); state.checkout.observe(1.7, 1);
  state.renderSum += 0.05 * 4; state.renderCount += 4;
  state.t2Orders += 7;
}

function exposition() {
  const out = [];
  const t1 = { tenant: T1 };
  out.push('# TYPE page_views_total counter');
  for (const p of PATHS) out.push(`page_views_total{tenant="${T1}",path="${p}"} ${state.pageViews[p]}`);
  out.push('# TYPE js_errors_total counter');
  for (const [kind, v] of Object.entries(state.jsErrors)) out.push(`js_errors_total{tenant="${T1}",path="/",kind="${kind}"} ${v}`);
  for (const [name, byPath] of Object.entries(state.hists)) {
    out.push(`# TYPE ${name} histogram`);
    for (const p of PATHS) out.push(...byPath[p].lines(name, { ...t1, path: p }));
  }
  out.push('# HELP signups_total Sign-ups.', '# TYPE signups_total counter');
  for (const [plan, v] of Object.entries(state.signups)) out.push(`signups_total{tenant="${T1}",plan="${plan}"} ${v}`);
  out.push(`signups_total{tenant="${T2}",plan="free"} 1`);
  out.push('# TYPE cart_items gauge', `cart_items{tenant="${T1}"} ${state.cartItems}`);
  out.push('# TYPE checkout_seconds histogram', ...state.checkout.lines('checkout_seconds', t1));
  out.push('# TYPE render_seconds summary');
  for (const [q, v] of [['0.5', 0.04], ['0.9', 0.08], ['0.99', 0.12]]) out.push(`render_seconds{tenant="${T1}",quantile="${q}"} ${v}`);
  out.push(`render_seconds_sum{tenant="${T1}"} ${state.renderSum}`, `render_seconds_count{tenant="${T1}"} ${state.renderCount}`);
  out.push('# TYPE orders_total counter', `orders_total{tenant="${T2}"} ${state.t2Orders}`);
  return out.join('\n') + '\n';
}

// ------------------------------------ stand-in for pushgate's own /metrics
const self = { start: Date.now() / 1000, pushes: 0, lastPush: Date.now() / 1000 };
function selfMetrics() {
  const s = (Date.now() / 1000 - self.start);
  const n = Math.floor(s * 10);
  const lines = [
    '# TYPE pushgate_ingest_requests_total counter',
    ...['accepted', 'partial', 'rejected', 'duplicate', 'unauthorized', 'invalid'].map((o, i) => `pushgate_ingest_requests_total{outcome="${o}"} ${n * (6 - i)}`),
    '# TYPE pushgate_items_accepted_total counter', `pushgate_items_accepted_total ${n * 50}`,
    '# TYPE pushgate_items_rejected_total counter',
    `pushgate_items_rejected_total{reason="invalid_value"} ${n * 2}`,
    `pushgate_items_rejected_total{reason="unknown_metric"} ${n}`,
    '# TYPE pushgate_active_series gauge', 'pushgate_active_series 1234',
    '# TYPE pushgate_pushes_total counter', `pushgate_pushes_total ${self.pushes}`,
    '# TYPE pushgate_push_failures_total counter', `pushgate_push_failures_total ${Math.floor(n / 30)}`,
    '# TYPE pushgate_last_successful_push_timestamp_seconds gauge', `pushgate_last_successful_push_timestamp_seconds ${self.lastPush}`,
    '# TYPE pushgate_checkpoint_failures_total counter', 'pushgate_checkpoint_failures_total 0',
    '# TYPE pushgate_push_duration_seconds histogram',
  ];
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const p = self.pushes;
  const cum = buckets.map((b) => (b >= 0.025 ? p : 0) + (b >= 0.25 ? p : 0));
  buckets.forEach((b, i) => lines.push(`pushgate_push_duration_seconds_bucket{le="${b}"} ${cum[i]}`));
  lines.push(`pushgate_push_duration_seconds_bucket{le="+Inf"} ${2 * p}`,
    `pushgate_push_duration_seconds_sum ${p * 0.02 + p * 0.2}`, `pushgate_push_duration_seconds_count ${2 * p}`);
  return lines.join('\n') + '\n';
}

// ------------------------------------------------------- Prometheus queries
let PROM;
async function api(pathAndQuery, body) {
  const r = await fetch(`${PROM}${pathAndQuery}`, body ? {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body),
  } : undefined);
  const j = await r.json();
  if (j.status !== 'success') throw new Error(`${pathAndQuery}: ${j.errorType}: ${j.error}`);
  return j.data;
}
async function query(expr, instant) {
  const now = Date.now() / 1000;
  if (instant) return (await api('/api/v1/query', { query: expr, time: String(now) })).result;
  return (await api('/api/v1/query_range', { query: expr, start: String(now - 20), end: String(now), step: '1' })).result;
}
const values = (result) => result.flatMap((s) => (s.values ? s.values.map((v) => Number(v[1])) : [Number(s.value[1])]));
const hasData = (result) => values(result).some((v) => Number.isFinite(v));

// Grafana's interpolation, for the variables the dashboards may use.
function interpolate(expr, vars) {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (m, a, b) => {
    const name = a || b;
    if (!(name in vars)) throw new Error(`unknown variable ${m} in ${expr}`);
    return vars[name];
  });
}
const BUILTINS = { __rate_interval: '10s', __interval: '1s', __range: '30s' };

// label_values(label) / label_values(selector, label), then the variable's regex
async function variableValues(v, vars) {
  const q = interpolate(typeof v.query === 'string' ? v.query : v.query.query, vars);
  const m = /^label_values\(\s*(?:(.+?)\s*,\s*)?(\w+)\s*\)$/.exec(q);
  if (!m) throw new Error(`unsupported variable query ${q}`);
  const params = new URLSearchParams();
  if (m[1]) params.set('match[]', m[1]);
  let vals = await api(`/api/v1/label/${m[2]}/values?${params}`);
  if (v.regex) {
    const rm = /^\/(.*)\/([gimsuy]*)$/.exec(v.regex);
    const re = new RegExp(rm[1], rm[2]);
    vals = vals.map((x) => { const mm = re.exec(x); return mm ? (mm[1] ?? mm[0]) : null; }).filter((x) => x !== null);
  }
  return [...new Set(vals)].sort();
}

function loadDashboard(name) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'grafana/dashboards', name), 'utf8'));
}
function targetsOf(d) {
  return d.panels.flatMap((p) => [p, ...(p.panels || [])]).flatMap((p) => (p.targets || []).map((t) => ({ panel: p, t })));
}

// ----------------------------------------------------------------- the run
async function main() {
  for (const b of [PROMETHEUS_BIN, PUSHGATEWAY_BIN]) {
    if (!haveBinary(b)) {
      console.log(`not ok - ${b} not found: apt-get install prometheus prometheus-pushgateway (or set PROMETHEUS_BIN / PUSHGATEWAY_BIN)`);
      console.log('0 passed, 1 failed');
      process.exit(1);
    }
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushgate-ops-'));
  const [pgwPort, promPort] = [await freePort(), await freePort()];

  const selfServer = http.createServer((req, res) => {
    if (req.url === '/metrics') { res.setHeader('content-type', 'text/plain; version=0.0.4'); res.end(selfMetrics()); }
    else { res.statusCode = 404; res.end(); }
  });
  await new Promise((r) => selfServer.listen(0, '127.0.0.1', r));
  selfServer.unref();
  const selfPort = selfServer.address().port;

  // the repo's config, rewritten like scripts/dev does, with 1 s intervals
  const cfg = fs.readFileSync(path.join(ROOT, 'prometheus/prometheus.yml'), 'utf8')
    .replace("targets: ['127.0.0.1:9091']", `targets: ['127.0.0.1:${pgwPort}']`)
    .replace("targets: ['127.0.0.1:3000']", `targets: ['127.0.0.1:${selfPort}']`)
    .replace(/(scrape_interval|evaluation_interval): 15s/g, '$1: 1s')
    .replace(/scrape_timeout: 10s/, 'scrape_timeout: 1s');
  ok(cfg.includes(`127.0.0.1:${pgwPort}`) && cfg.includes(`127.0.0.1:${selfPort}`), 'prometheus.yml targets can be rewritten');
  fs.writeFileSync(path.join(tmp, 'prometheus.yml'), cfg);
  fs.symlinkSync(path.join(ROOT, 'prometheus/rules'), path.join(tmp, 'rules'));

  const pgw = start(PUSHGATEWAY_BIN, [`--web.listen-address=127.0.0.1:${pgwPort}`], 'pushgateway.log');
  const prom = start(PROMETHEUS_BIN, [
    `--config.file=${path.join(tmp, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(tmp, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
  ], 'prometheus.log');
  PROM = `http://127.0.0.1:${promPort}`;
  await waitReady(`http://127.0.0.1:${pgwPort}/-/ready`, pgw, 'Pushgateway');
  await waitReady(`${PROM}/-/ready`, prom, 'Prometheus');

  // push like pushgate: PUT the whole state as one group, once a second
  for (let k = 0; k < PUSHES; k++) {
    step(k);
    const r = await fetch(`http://127.0.0.1:${pgwPort}/metrics/job/pushgate/instance/ops-test`, { method: 'PUT', body: exposition() });
    if (!r.ok) throw new Error(`push ${k} refused: ${r.status} ${await r.text()}`);
    self.pushes++; self.lastPush = Date.now() / 1000;
    await sleep(1000);
  }
  await sleep(2000);

  // targets up
  const up = await query('up', true);
  for (const job of ['pushgateway', 'pushgate-server']) {
    ok(up.some((s) => s.metric.job === job && s.value[1] === '1'), `target job="${job}" is up`, JSON.stringify(up.map((s) => s.metric)));
  }
  // honor_labels kept the pushed job/instance
  const pv = await query('page_views_total', true);
  ok(pv.length === 2 && pv.every((s) => s.metric.job === 'pushgate' && s.metric.instance === 'ops-test' && s.metric.tenant === T1),
    'pushed series keep job="pushgate", instance and tenant (honor_labels)', JSON.stringify(pv.map((s) => s.metric)));

  // ---------------------------------------------------------- web overview
  const web = loadDashboard('web-overview.json');
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
  const custom = loadDashboard('custom-metrics.json');
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

  // --------------------------------------------------------- gateway health
  const health = loadDashboard('gateway-health.json');
  for (const { panel, t } of targetsOf(health)) {
    const expr = interpolate(t.expr, BUILTINS);
    ok(hasData(await query(expr, t.instant)), `gateway-health "${panel.title}" [${t.refId}] returns data`, expr);
  }

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

try {
  await main();
} catch (e) {
  ok(false, 'run', e.stack || String(e));
  if (tmp) for (const f of ['prometheus.log', 'pushgateway.log']) {
    const p = path.join(tmp, f);
    if (fs.existsSync(p)) console.log(`--- ${f} (last lines)\n${fs.readFileSync(p, 'utf8').split('\n').slice(-15).join('\n')}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
