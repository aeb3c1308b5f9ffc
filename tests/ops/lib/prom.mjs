// Prometheus' HTTP API and Grafana's side of a dashboard query, for
// tests/ops/dashboard_queries.mjs: variable interpolation, label_values()
// variables with their regex, the panels' targets.

import fs from 'node:fs';
import path from 'node:path';

let PROM;
export function usePrometheus(url) { PROM = url; }
export async function api(pathAndQuery, body) {
  const r = await fetch(`${PROM}${pathAndQuery}`, body ? {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body),
  } : undefined);
  const j = await r.json();
  if (j.status !== 'success') throw new Error(`${pathAndQuery}: ${j.errorType}: ${j.error}`);
  return j.data;
}
export async function query(expr, instant) {
  const now = Date.now() / 1000;
  if (instant) return (await api('/api/v1/query', { query: expr, time: String(now) })).result;
  return (await api('/api/v1/query_range', { query: expr, start: String(now - 20), end: String(now), step: '1' })).result;
}
export const values = (result) => result.flatMap((s) => (s.values ? s.values.map((v) => Number(v[1])) : [Number(s.value[1])]));
export const hasData = (result) => values(result).some((v) => Number.isFinite(v));

// Grafana's interpolation, for the variables the dashboards may use.
export function interpolate(expr, vars) {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (m, a, b) => {
    const name = a || b;
    if (!(name in vars)) throw new Error(`unknown variable ${m} in ${expr}`);
    return vars[name];
  });
}
// The feed lasts about 10 s with 1 s scrapes: a 30 s rate window holds all of it
// while the queries run, and the range covers the whole run.
export const BUILTINS = { __rate_interval: '30s', __interval: '1s', __range: '5m' };

// label_values(label) / label_values(selector, label), then the variable's regex
export async function variableValues(v, vars) {
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

export function loadDashboard(root, name) {
  return JSON.parse(fs.readFileSync(path.join(root, 'grafana/dashboards', name), 'utf8'));
}
export function targetsOf(d) {
  return d.panels.flatMap((p) => [p, ...(p.panels || [])]).flatMap((p) => (p.targets || []).map((t) => ({ panel: p, t })));
}
