// Feeds a running pushgate through its public API, the way its users do:
//   * two sign-ups (tenant T1 with everything, T2 with two undeclared counters);
//   * T1's metric configs: a counter, a gauge, a histogram and a summary;
//   * backend pushes with key + secret (application/json);
//   * browser pushes the way the tracking code's sendBeacon sends them: key only in
//     the URL (`?k=pk_…`), a text/plain JSON body, an Origin header, a batch_id,
//     with the built-in auto-track metrics (page views, load time, JS errors, web
//     vitals, time on page);
//   * in every step one item pushgate must reject, so the rejection panels have data.
// Each step is made of a few batches; `expected(k)` is what Prometheus shows after k steps.

export const ORIGIN = 'https://shop.example';
export const PATHS = ['/', '/pricing'];
// per step and path: [value, how many observations]
const OBSERVE = {
  page_load_seconds: [[1.2, 3], [4, 1]],
  web_vitals_lcp_seconds: [[1.5, 6], [3, 3], [7, 1]], // good 60 %, needs improvement 30 %, poor 10 %
  web_vitals_inp_seconds: [[0.15, 2], [0.7, 1]],
  web_vitals_cls: [[0.02, 3], [0.3, 1]],
  web_vitals_fcp_seconds: [[1.2, 2], [2.5, 1]],
  web_vitals_ttfb_seconds: [[0.3, 3], [2.0, 1]],
  time_on_page_seconds: [[42, 2]],
};
export const CONFIGS = [
  { name: 'Sign-ups', metric_name: 'signups_total', metric_type: 'counter', labels: { plan: null }, help: 'Sign-ups.' },
  { name: 'Cart items', metric_name: 'cart_items', metric_type: 'gauge' },
  { name: 'Checkout time', metric_name: 'checkout_seconds', metric_type: 'histogram' },
  { name: 'Render time', metric_name: 'render_seconds', metric_type: 'summary', quantiles: [0.5, 0.9, 0.99] },
];

async function call(base, method, p, { token, body, headers = {} } = {}) {
  const r = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: r.status, json };
}

async function signup(base, email) {
  const r = await call(base, 'POST', '/auth/signup', { body: { email, password: 'correct horse battery' } });
  if (r.status !== 201) throw new Error(`signup ${email}: ${r.status} ${JSON.stringify(r.json)}`);
  return { id: r.json.user.id, token: r.json.access_token, key: r.json.api_key.api_key, secret: r.json.api_key.api_secret };
}

/** Signs up both tenants and declares T1's metrics; resolves {t1, t2}. */
export async function setup(base) {
  const t1 = await signup(base, 'ops-t1@example.com');
  const t2 = await signup(base, 'ops-t2@example.com');
  for (const c of CONFIGS) {
    const r = await call(base, 'POST', '/metric-configs', { token: t1.token, body: c });
    if (r.status !== 201) throw new Error(`metric config ${c.metric_name}: ${r.status} ${JSON.stringify(r.json)}`);
  }
  return { t1, t2 };
}

const serverPush = (base, t, metrics) => call(base, 'POST', '/metrics', {
  headers: { 'x-api-key': t.key, 'x-api-secret': t.secret }, body: { metrics },
});
// sendBeacon's form: no custom headers, so the key is in the URL and the body is text/plain
const browserPush = (base, t, metrics, batchId) => call(base, 'POST', `/metrics?k=${encodeURIComponent(t.key)}`, {
  headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN }, body: JSON.stringify({ metrics, batch_id: batchId }),
});

function browserItems(k) {
  const items = [];
  const put = (name, type, value, labels) => items.push({ name, type, value, labels });
  put('page_views_total', 'counter', 5, { path: '/' });
  put('page_views_total', 'counter', 2, { path: '/pricing' });
  put('js_errors_total', 'counter', 1, { path: '/', kind: 'error' });
  if (k % 2) put('js_errors_total', 'counter', 1, { path: '/', kind: 'unhandledrejection' });
  for (const p of PATHS) {
    for (const [name, obs] of Object.entries(OBSERVE)) for (const [v, n] of obs) for (let i = 0; i < n; i++) put(name, 'histogram', v, { path: p });
  }
  return items;
}

/**
 * Step k (0-based): pushes one browser batch and one backend batch for T1, one backend
 * batch for T2. Throws when pushgate does not accept exactly what it should.
 */
export async function step(base, { t1, t2 }, k) {
  const items = browserItems(k);
  // browsers may not push undeclared metrics: this one is rejected (undeclared_metric)
  const b = await browserPush(base, t1, [...items, { name: 'not_declared_total', type: 'counter', value: 1 }], `ops-${k}`);
  if (b.status !== 200 || b.json.accepted !== items.length || b.json.rejected !== 1) {
    throw new Error(`browser push ${k}: ${b.status} ${JSON.stringify(b.json).slice(0, 500)}`);
  }
  const s = await serverPush(base, t1, [
    { name: 'signups_total', value: 3, labels: { plan: 'free' } },
    { name: 'signups_total', value: 1, labels: { plan: 'pro' } },
    { name: 'cart_items', value: 3 + (k % 4), op: 'set' },
    { name: 'checkout_seconds', value: 0.42 }, { name: 'checkout_seconds', value: 0.42 }, { name: 'checkout_seconds', value: 1.7 },
    ...Array.from({ length: 4 }, () => ({ name: 'render_seconds', value: 0.05 })),
    { name: 'signups_total', value: -1, labels: { plan: 'free' } }, // a counter never goes down: invalid_value
  ]);
  if (s.status !== 200 || s.json.accepted !== 10 || s.json.rejected !== 1) throw new Error(`server push ${k}: ${s.status} ${JSON.stringify(s.json)}`);
  const o = await serverPush(base, t2, [
    { name: 'orders_total', type: 'counter', value: 7 },
    { name: 'signups_total', type: 'counter', value: 1, labels: { plan: 'free' } },
  ]);
  if (o.status !== 200 || o.json.accepted !== 2) throw new Error(`T2 push ${k}: ${o.status} ${JSON.stringify(o.json)}`);
}

/** PromQL → value Prometheus must show once k steps have arrived. */
export function expected(ids, k) {
  return {
    [`sum(page_views_total{tenant="${ids.t1}"})`]: 7 * k,
    [`sum(signups_total{tenant="${ids.t1}"})`]: 4 * k,
    [`cart_items{tenant="${ids.t1}"}`]: 3 + ((k - 1) % 4),
    [`sum(web_vitals_lcp_seconds_count{tenant="${ids.t1}"})`]: 20 * k,
    [`render_seconds_count{tenant="${ids.t1}"}`]: 4 * k,
    [`orders_total{tenant="${ids.t2}"}`]: 7 * k,
  };
}
