#!/usr/bin/env node
// Static checks of pushgate's operations files; Node 20, no dependencies.
//   node tests/ops/check_files.mjs
// docker-compose.yml and the Grafana provisioning files are read with the small
// YAML reader below (block maps and lists, flow lists, quoted and plain
// scalars: what these files use); when python3 has PyYAML, the reader's result
// is compared with PyYAML's too. Last line: "N passed, M failed".
// Over 300 lines: the YAML reader and the checks that use it belong together.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p) => fs.readFileSync(path.join(ROOT, p), 'utf8');

let passed = 0;
let failed = 0;
function ok(cond, name, detail = '') {
  if (cond) { passed++; console.log(`ok - ${name}`); } else { failed++; console.log(`not ok - ${name}${detail ? `\n    ${detail}` : ''}`); }
  return cond;
}
function attempt(name, fn) {
  try { return fn(); } catch (e) { ok(false, name, e.message); return undefined; }
}

// ------------------------------------------------------- a small YAML reader
function stripComment(line) {
  let q = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) { if (c === q) q = null; continue; }
    if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}
function splitFlow(s) {
  const out = []; let cur = ''; let q = null;
  for (const c of s) {
    if (q) { cur += c; if (c === q) q = null; continue; }
    if (c === '"' || c === "'") { q = c; cur += c; } else if (c === ',') { out.push(cur.trim()); cur = ''; } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
function scalar(s) {
  s = s.trim();
  if (s === '' || s === '~' || s === 'null') return null;
  if (s.startsWith('"')) return JSON.parse(s);
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  if (s.startsWith('[')) { if (!s.endsWith(']')) throw new Error(`multi-line flow list: ${s}`); return splitFlow(s.slice(1, -1)).map(scalar); }
  if (s.startsWith('{')) { if (s === '{}') return {}; throw new Error(`flow maps are not supported: ${s}`); }
  if (/^[|>]/.test(s)) throw new Error(`block scalars are not supported: ${s}`);
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}
function parseYaml(text) {
  const lines = text.split('\n').map(stripComment).map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l.trim() !== '' && l.trim() !== '---')
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;
  const KEY = /^("[^"]*"|'[^']*'|[^\s"'#:][^:#]*?):(?:\s+(.*))?$/;
  function block(indent) {
    if (lines[i].text.startsWith('- ') || lines[i].text === '-') {
      const arr = [];
      while (i < lines.length && lines[i].indent === indent && (lines[i].text.startsWith('- ') || lines[i].text === '-')) {
        const rest = lines[i].text.slice(2).trim();
        if (KEY.test(rest) && !rest.startsWith('"') && !rest.startsWith("'")) {
          // "- key: value" starts a map whose keys are indented by 2 more
          lines[i] = { indent: indent + 2, text: rest };
          arr.push(block(indent + 2));
        } else { arr.push(scalar(rest)); i++; }
      }
      return arr;
    }
    const obj = {};
    while (i < lines.length && lines[i].indent === indent && !lines[i].text.startsWith('- ')) {
      const m = KEY.exec(lines[i].text);
      if (!m) throw new Error(`cannot read line: ${lines[i].text}`);
      const key = scalar(m[1]);
      i++;
      if (m[2] !== undefined && m[2] !== '') obj[key] = scalar(m[2]);
      else if (i < lines.length && (lines[i].indent > indent || (lines[i].indent === indent && lines[i].text.startsWith('- ')))) obj[key] = block(lines[i].indent);
      else obj[key] = null;
    }
    return obj;
  }
  const doc = block(0);
  if (i !== lines.length) throw new Error(`unexpected indentation at: ${lines[i].text}`);
  return doc;
}
function pyYaml(file) {
  const r = spawnSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', file], { encoding: 'utf8' });
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}
function loadYaml(rel) {
  const doc = parseYaml(read(rel));
  const py = pyYaml(path.join(ROOT, rel));
  if (py !== undefined) ok(JSON.stringify(py) === JSON.stringify(doc), `${rel}: the YAML reader agrees with PyYAML`);
  return doc;
}

// ----------------------------------------------------------- docker-compose
const compose = attempt('docker-compose.yml parses', () => loadYaml('docker-compose.yml'));
if (compose) {
  const svc = compose.services || {};
  for (const name of ['postgres', 'pushgateway', 'prometheus', 'grafana', 'pushgate']) {
    ok(svc[name], `compose: service ${name}`);
    ok(svc[name] && svc[name].healthcheck && Array.isArray(svc[name].healthcheck.test) && svc[name].healthcheck.test.length > 1,
      `compose: ${name} has a healthcheck`);
  }
  const vols = Object.keys(compose.volumes || {});
  for (const v of ['postgres-data', 'prometheus-data', 'grafana-data']) ok(vols.includes(v), `compose: named volume ${v}`);
  const mounts = (s) => (svc[s] && svc[s].volumes) || [];
  ok(mounts('postgres').some((m) => m.startsWith('postgres-data:/var/lib/postgresql/data')), 'compose: postgres keeps its data in postgres-data');
  ok(mounts('prometheus').some((m) => m.startsWith('prometheus-data:/prometheus')), 'compose: prometheus keeps its data in prometheus-data');
  ok(mounts('grafana').some((m) => m.startsWith('grafana-data:/var/lib/grafana')), 'compose: grafana keeps its data in grafana-data');
  ok(/^postgres:15/.test(svc.postgres?.image), 'compose: postgres:15');
  ok(svc.postgres?.healthcheck?.test?.join(' ').includes('pg_isready'), 'compose: postgres healthcheck uses pg_isready');
  ok(svc.pushgateway?.healthcheck?.test?.join(' ').includes('/-/ready'), 'compose: pushgateway healthcheck hits /-/ready');
  const promCmd = (svc.prometheus?.command || []).join(' ');
  ok(promCmd.includes('--storage.tsdb.retention.time=30d'), 'compose: prometheus keeps 30 days');
  ok(mounts('prometheus').some((m) => m.startsWith('./prometheus/prometheus.compose.yml:/etc/prometheus/prometheus.yml')), 'compose: prometheus runs prometheus.compose.yml');
  ok(mounts('prometheus').some((m) => m.startsWith('./prometheus/rules:/etc/prometheus/rules')), 'compose: rules mounted next to the config (rules/*.yml)');
  ok(promCmd.includes('--config.file=/etc/prometheus/prometheus.yml'), 'compose: prometheus --config.file matches the mount');

  const env = svc.pushgate?.environment || {};
  ok(svc.pushgate?.build === '.', 'compose: pushgate is built from the Dockerfile');
  ok(typeof env.PUSHGATE_INSTANCE === 'string' && env.PUSHGATE_INSTANCE.length > 0, 'compose: PUSHGATE_INSTANCE set explicitly');
  ok(/@postgres:5432\/pushgate$/.test(env.DATABASE_URL || ''), 'compose: DATABASE_URL points at the postgres service', env.DATABASE_URL);
  ok(env.PUSHGATEWAY_URL === 'http://pushgateway:9091', 'compose: PUSHGATEWAY_URL points at the pushgateway service');
  ok(env.PUSHGATE_PROMETHEUS_URL === 'http://prometheus:9090', 'compose: PUSHGATE_PROMETHEUS_URL points at the prometheus service (the read path)');
  ok(/^\$\{PUSHGATE_JWT_SECRET:\?/.test(env.PUSHGATE_JWT_SECRET || ''), 'compose: PUSHGATE_JWT_SECRET is required from the environment');
  ok(env.PUSHGATE_LISTEN === '0.0.0.0:3000', 'compose: pushgate listens on 0.0.0.0:3000');
  ok(env.PUSHGATE_PUBLIC_URL && env.PUSHGATE_GRAFANA_URL, 'compose: PUSHGATE_PUBLIC_URL and PUSHGATE_GRAFANA_URL set');
  for (const dep of ['postgres', 'pushgateway']) {
    ok(svc.pushgate?.depends_on?.[dep]?.condition === 'service_healthy', `compose: pushgate waits for a healthy ${dep}`);
  }
  ok(svc.pushgate?.healthcheck?.test?.join(' ').includes('/api/v1/health/ready'), 'compose: pushgate healthcheck hits /api/v1/health/ready');
  const genv = svc.grafana?.environment || {};
  ok(String(genv.GF_AUTH_ANONYMOUS_ENABLED) === 'false', 'compose: grafana anonymous access off');
  ok(/^\$\{GRAFANA_ADMIN_PASSWORD:-.+\}$/.test(genv.GF_SECURITY_ADMIN_PASSWORD || ''), 'compose: grafana admin password from the environment, with a default');
  ok(mounts('grafana').some((m) => m.startsWith('./grafana/provisioning:/etc/grafana/provisioning')), 'compose: grafana provisioning mounted');
  const dashMount = mounts('grafana').find((m) => m.startsWith('./grafana/dashboards:'));
  const provider = attempt('dashboards.yml parses', () => loadYaml('grafana/provisioning/dashboards/dashboards.yml'));
  const providerPath = provider?.providers?.[0]?.options?.path;
  ok(dashMount && providerPath && dashMount.split(':')[1] === providerPath, 'compose: dashboards mounted where the provider reads them', `${dashMount} vs ${providerPath}`);
  ok(provider?.providers?.[0]?.type === 'file', 'grafana: file dashboard provider');
}

const ds = attempt('datasource provisioning parses', () => loadYaml('grafana/provisioning/datasources/prometheus.yml'));
if (ds) {
  const d = ds.datasources?.[0] || {};
  ok(d.uid === 'prometheus' && d.type === 'prometheus' && d.url === 'http://prometheus:9090', 'grafana: datasource uid prometheus at http://prometheus:9090');
}

// --------------------------------------------------------- Prometheus config
{
  const local = read('prometheus/prometheus.yml');
  const comp = read('prometheus/prometheus.compose.yml');
  ok(local.includes("targets: ['127.0.0.1:9091']") && local.includes("targets: ['127.0.0.1:3000']"), 'prometheus.yml: plain rewritable target lines');
  ok(comp.includes("targets: ['pushgateway:9091']") && comp.includes("targets: ['pushgate:3000']"), 'prometheus.compose.yml: compose service names');
  const norm = (s) => s.split('\n').slice(1).join('\n').replace(/targets: \['[^']*'\]/g, 'targets: [X]');
  ok(norm(local) === norm(comp), 'prometheus.yml and prometheus.compose.yml differ only in targets (and the first comment line)');
  ok(/job_name: pushgateway\n\s+honor_labels: true/.test(local), 'prometheus.yml: the pushgateway job honors labels');
  ok(/rule_files:\n\s+- rules\/\*\.yml/.test(local), 'prometheus.yml: rule_files rules/*.yml');
  ok(!fs.readdirSync(path.join(ROOT, 'prometheus/rules')).some((f) => /test/.test(f)), 'no unit-test file inside rules/ (it would be loaded as rules)');
  const rules = read('prometheus/rules/pushgate.yml');
  for (const a of ['PushgateDown', 'PushgatewayDown', 'PushgatePushFailing', 'PushgateLastPushStale', 'PushgateHighRejectionRate']) {
    ok(rules.includes(`- alert: ${a}\n`), `rules: alert ${a}`);
    ok(read('prometheus/tests/pushgate_test.yml').includes(`alertname: ${a}\n`), `rules: alert ${a} is unit-tested`);
  }
}

// ----------------------------------------------------------------- dashboards
const ALLOWED_VARS = new Set(['tenant', 'metric', '__rate_interval', '__interval', '__range', '__interval_ms', '__range_s', '__range_ms']);
const DS = JSON.stringify({ type: 'prometheus', uid: 'prometheus' });
const dashDir = path.join(ROOT, 'grafana/dashboards');
const files = fs.readdirSync(dashDir).filter((f) => f.endsWith('.json')).sort();
ok(JSON.stringify(files) === JSON.stringify(['custom-metrics.json', 'gateway-health.json', 'web-overview.json']), 'the three dashboards', files.join(' '));
const uids = new Set();
const boards = {};
for (const f of files) {
  const d = attempt(`${f} is valid JSON`, () => JSON.parse(fs.readFileSync(path.join(dashDir, f), 'utf8')));
  if (!d) continue;
  boards[f] = d;
  ok(d.uid && !uids.has(d.uid) && d.title, `${f}: uid and title`);
  uids.add(d.uid);
  const vars = d.templating?.list || [];
  ok(vars.every((v) => ALLOWED_VARS.has(v.name)), `${f}: only $tenant / $metric variables`, vars.map((v) => v.name).join(' '));
  ok(vars.every((v) => JSON.stringify(v.datasource) === DS), `${f}: variables use the prometheus datasource`);
  const panels = (d.panels || []).flatMap((p) => [p, ...(p.panels || [])]);
  ok(panels.length > 0, `${f}: has panels`);
  const ids = panels.map((p) => p.id);
  ok(new Set(ids).size === ids.length && ids.every(Number.isInteger), `${f}: unique panel ids`);
  const problems = [];
  for (const p of panels) {
    const where = `panel ${p.id} "${p.title}"`;
    if (JSON.stringify(p.datasource) !== DS) problems.push(`${where}: datasource ${JSON.stringify(p.datasource)}`);
    if (!p.gridPos || p.gridPos.x + p.gridPos.w > 24) problems.push(`${where}: gridPos`);
    const ts = p.targets || [];
    if (!ts.length) problems.push(`${where}: no targets`);
    const refs = ts.map((t) => t.refId);
    if (new Set(refs).size !== refs.length) problems.push(`${where}: duplicate refIds`);
    for (const t of ts) {
      if (typeof t.expr !== 'string' || !t.expr.trim()) problems.push(`${where} [${t.refId}]: empty expr`);
      if (JSON.stringify(t.datasource) !== DS) problems.push(`${where} [${t.refId}]: target datasource`);
    }
    const text = [p.title, ...ts.map((t) => t.expr), ...ts.map((t) => t.legendFormat || '')].join('\n');
    for (const m of text.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g)) {
      const name = m[1] || m[2];
      if (!ALLOWED_VARS.has(name) || (!name.startsWith('__') && !vars.some((v) => v.name === name))) problems.push(`${where}: variable ${m[0]}`);
    }
    if ((d.templating?.list || []).some((v) => v.name === 'tenant')) {
      for (const t of ts) if (!t.expr.includes('tenant="$tenant"')) problems.push(`${where} [${t.refId}]: not filtered by tenant="$tenant"`);
    }
    for (const t of ts) if (/\[\d+[smhd]\]/.test(t.expr)) problems.push(`${where} [${t.refId}]: fixed range, use $__rate_interval or $__range`);
  }
  ok(problems.length === 0, `${f}: every panel uses the prometheus datasource, non-empty exprs, allowed variables`, problems.join('\n    '));
}

const web = boards['web-overview.json'];
if (web) {
  const tenant = web.templating.list.find((v) => v.name === 'tenant');
  const q = typeof tenant?.query === 'string' ? tenant.query : tenant?.query?.query;
  ok(q === 'label_values(page_views_total, tenant)', 'web-overview: $tenant from label_values(page_views_total, tenant)');
  const exprs = web.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
  ok(/sum by \(path\) \(rate\(page_views_total/.test(exprs), 'web-overview: page views rate by path');
  ok(/histogram_quantile\(0\.75, sum by \(le\) \(rate\(page_load_seconds_bucket/.test(exprs), 'web-overview: page load p75');
  ok(/sum by \(kind\) \(rate\(js_errors_total/.test(exprs), 'web-overview: JS errors by kind');
  const vitals = { lcp_seconds: [2.5, 4], inp_seconds: [0.2, 0.5], cls: [0.1, 0.25], fcp_seconds: [1.8, 3], ttfb_seconds: [0.8, 1.8] };
  for (const [v, [good, poor]] of Object.entries(vitals)) {
    const m = `web_vitals_${v}`;
    const p75 = web.panels.filter((p) => p.targets.some((t) => t.expr.includes(`histogram_quantile(0.75, sum by (le) (`) && t.expr.includes(`${m}_bucket`)));
    const stepsOk = p75.length >= 1 && p75.every((p) => {
      const s = p.fieldConfig?.defaults?.thresholds?.steps || [];
      return s.length === 3 && s[0].value === null && s[1].value === good && s[2].value === poor
        && s[0].color === 'green' && s[1].color === 'orange' && s[2].color === 'red';
    });
    ok(stepsOk, `web-overview: ${m} p75 with good/needs improvement/poor thresholds ${good}/${poor}`);
    const goodLe = Number.isInteger(good) ? `le=~"${good}|${good}.0"` : `le="${good}"`;
    ok(exprs.includes(`${m}_bucket{tenant="$tenant", ${goodLe}}`) && exprs.includes(`${m}_count{tenant="$tenant"}`),
      `web-overview: share of good ${m} = bucket ${goodLe} / count`);
  }
}
const custom = boards['custom-metrics.json'];
if (custom) {
  const metric = custom.templating.list.find((v) => v.name === 'metric');
  const q = typeof metric?.query === 'string' ? metric.query : metric?.query?.query;
  ok(q === 'label_values({tenant="$tenant"}, __name__)', 'custom-metrics: $metric from the tenant\'s metric names');
  const rm = /^\/(.*)\/([a-z]*)$/.exec(metric?.regex || '');
  const re = rm && new RegExp(rm[1], rm[2]);
  const strip = (n) => { const mm = re && re.exec(n); return mm ? (mm[1] ?? mm[0]) : null; };
  ok(re && strip('checkout_seconds_bucket') === 'checkout_seconds' && strip('checkout_seconds_sum') === 'checkout_seconds'
    && strip('checkout_seconds_count') === 'checkout_seconds' && strip('signups_total') === 'signups_total' && strip('cart_items') === 'cart_items',
  'custom-metrics: the $metric regex strips _bucket/_sum/_count');
  const exprs = custom.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
  ok(exprs.includes('histogram_quantile(0.5, sum by (le) (rate(${metric}_bucket{tenant="$tenant"}[$__rate_interval])))'), 'custom-metrics: histogram quantiles over ${metric}_bucket');
  ok(exprs.includes('quantile!=""'), 'custom-metrics: summary quantile series');
  ok(exprs.includes('rate({__name__="${metric}", tenant="$tenant", quantile=""}[$__rate_interval])'), 'custom-metrics: counter rate');
}
const health = boards['gateway-health.json'];
if (health) {
  const exprs = health.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
  for (const m of ['pushgate_ingest_requests_total', 'pushgate_items_rejected_total', 'pushgate_active_series', 'pushgate_push_duration_seconds_bucket',
    'pushgate_push_failures_total', 'pushgate_last_successful_push_timestamp_seconds']) {
    ok(exprs.includes(m), `gateway-health: uses ${m}`);
  }
  ok(/histogram_quantile\(0\.99, sum by \(le, instance\) \(rate\(pushgate_push_duration_seconds_bucket/.test(exprs), 'gateway-health: push duration p99');
}

// ------------------------------------------------------- Dockerfile and the rest
{
  const df = read('Dockerfile');
  ok(/^FROM rust:1-bookworm AS builder$/m.test(df), 'Dockerfile: rust:1-bookworm builder');
  ok(/cargo build --release --locked/.test(df), 'Dockerfile: cargo build --release --locked');
  ok(/^FROM debian:bookworm-slim/m.test(df), 'Dockerfile: debian:bookworm-slim runtime');
  ok(/ca-certificates/.test(df), 'Dockerfile: ca-certificates');
  const user = /^USER (\S+)/m.exec(df);
  ok(user && !/^(root|0)(:|$)/.test(user[1]), 'Dockerfile: runs as a non-root user');
  ok(/^ENTRYPOINT \["pushgate"\]$/m.test(df) && /^CMD \["serve"\]$/m.test(df), 'Dockerfile: ENTRYPOINT ["pushgate"], CMD ["serve"]');
  ok(/^ENV PUSHGATE_LISTEN=0\.0\.0\.0:3000$/m.test(df), 'Dockerfile: PUSHGATE_LISTEN=0.0.0.0:3000');
  const di = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const e of ['target/', '.git/', '.stack/', 'node_modules/']) ok(di.includes(e), `.dockerignore: ${e}`);
  const readme = read('README.md');
  ok(/^## Running with docker compose$/m.test(readme) && readme.includes('docker compose up') && readme.includes('PUSHGATE_JWT_SECRET'),
    'README: a docker compose section that names the required PUSHGATE_JWT_SECRET');
  const envEx = read('.env.example');
  ok(/^PUSHGATE_JWT_SECRET=/m.test(envEx) && /^PUSHGATE_INSTANCE=\S+/m.test(envEx), '.env.example: PUSHGATE_JWT_SECRET and an explicit PUSHGATE_INSTANCE');
  const gi = read('.gitignore').split('\n').map((l) => l.trim());
  ok(gi.includes('.stack/') || gi.includes('/.stack/') || gi.includes('.stack'), '.gitignore: .stack/');
  for (const s of ['scripts/dev', 'tests/ops/run.sh', 'tests/ops/promtool.sh', 'tests/ops/dev_script_test.sh']) {
    ok((fs.statSync(path.join(ROOT, s)).mode & 0o111) !== 0, `${s} is executable`);
  }
  for (const s of ['scripts/dev', 'tests/ops/run.sh', 'tests/ops/promtool.sh', 'tests/ops/dev_script_test.sh']) {
    ok(spawnSync('bash', ['-n', path.join(ROOT, s)]).status === 0, `${s}: bash -n`);
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
