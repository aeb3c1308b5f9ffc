// The site owner's Grafana dashboard (frontend/grafana/pushgate-web-metrics.json) through the
// tenant-scoped API: every panel query is run through pushgate's /prometheus/api/v1/query_range
// as Grafana would run it (basic auth with a read key, form-encoded POST), must return the
// tenant's data, and must return nothing of it to another tenant. Called by
// dashboard_queries.mjs on its fed stack.

import fs from 'node:fs';
import path from 'node:path';
import { BUILTINS, hasData, interpolate, targetsOf, values } from './prom.mjs';

async function readKey(base, token) {
  const r = await fetch(`${base}/api/v1/apikeys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ key_name: 'grafana (ops test)', scopes: ['read'] }),
  });
  const j = await r.json();
  if (r.status !== 201) throw new Error(`read key: ${r.status} ${JSON.stringify(j)}`);
  return `Basic ${Buffer.from(`${j.api_key}:${j.api_secret}`).toString('base64')}`;
}

async function proxied(base, auth, endpoint, params) {
  const r = await fetch(`${base}/prometheus/api/v1/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
    body: new URLSearchParams(params),
  });
  const j = await r.json();
  if (j.status !== 'success') throw new Error(`${endpoint} ${params.query}: HTTP ${r.status} ${j.errorType}: ${j.error}`);
  return j.data.result;
}

export async function checkTenantDashboard(root, base, tenants, ok) {
  const dash = JSON.parse(fs.readFileSync(path.join(root, 'frontend/grafana/pushgate-web-metrics.json'), 'utf8'));
  ok(dash.__inputs?.[0]?.pluginId === 'prometheus' && !JSON.stringify(dash).includes('$tenant'), 'tenant dashboard: importable, no $tenant variable');
  const t1 = await readKey(base, tenants.t1.token);
  const t2 = await readKey(base, tenants.t2.token);
  const now = Date.now() / 1000;
  const range = (expr) => ({ query: expr, start: String(now - 20), end: String(now), step: '1' });
  const targets = targetsOf(dash);
  ok(targets.length >= 30, `tenant dashboard has ${targets.length} panel queries`);
  for (const { panel, t } of targets) {
    const expr = interpolate(t.expr, BUILTINS);
    const mine = await proxied(base, t1, 'query_range', range(expr));
    ok(hasData(mine), `tenant dashboard "${panel.title}" [${t.refId}] returns the tenant's data through /prometheus/api/v1/query_range`, expr);
    const theirs = await proxied(base, t2, 'query_range', range(expr));
    ok(!hasData(theirs) || values(theirs).every((v) => v === 0), `tenant dashboard "${panel.title}" [${t.refId}] shows another tenant nothing`, JSON.stringify(theirs).slice(0, 300));
  }
  const lcp = dash.panels.find((p) => p.title.startsWith('LCP: share'));
  const shares = {};
  for (const t of lcp.targets) shares[t.legendFormat] = values(await proxied(base, t1, 'query', { query: interpolate(t.expr, BUILTINS), time: String(now) }))[0];
  ok(Math.abs(shares.good - 0.6) < 1e-9 && Math.abs(shares['needs improvement'] - 0.3) < 1e-9 && Math.abs(shares.poor - 0.1) < 1e-9,
    'tenant dashboard: LCP shares through the proxy are good 60 %, needs improvement 30 %, poor 10 %', JSON.stringify(shares));
}
