// End-to-end test of the charts (issue 13) in headless Chromium against the real stack of
// harness.mjs: pushgate, Pushgateway, and a real Prometheus scraping it every second, read
// back through /prometheus/api/v1. A site owner's data is pushed the way users push it (key +
// secret from a server, key-only text/plain beacons from a browser origin), in two rounds so
// that increase() has two samples; the test then asserts on the data each chart holds, the
// exact web-vital shares, and takes screenshots of Insights and a metric page at 1280 px and
// 375 px (tests/e2e/screenshots/insights-*.png, metric-*.png).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { skipReason, startStack, until } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.join(here, 'screenshots');
const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 375, height: 812 };
const PASSWORD = 'correct horse battery';
const ORIGIN = 'https://shop.example';

async function call(base, method, p, { token, body, headers = {} } = {}) {
  const r = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json = text;
  try { json = JSON.parse(text); } catch { /* text */ }
  return { status: r.status, json };
}

/** One round of a site owner's data; round 2 adds to the counters. */
function rounds(round) {
  const browser = [];
  const views = round === 1 ? { '/': 5, '/pricing': 2 } : { '/': 3, '/pricing': 1 };
  for (const [p, n] of Object.entries(views)) browser.push({ name: 'page_views_total', type: 'counter', value: n, labels: { path: p } });
  browser.push({ name: 'js_errors_total', type: 'counter', value: 1, labels: { path: '/', kind: 'error' } });
  if (round === 1) {
    // LCP on '/': 6 good, 3 needs improvement, 1 poor; on '/pricing': 2 poor
    for (const [v, n, p] of [[1.5, 6, '/'], [3, 3, '/'], [7, 1, '/'], [5, 2, '/pricing']]) {
      for (let i = 0; i < n; i++) browser.push({ name: 'web_vitals_lcp_seconds', type: 'histogram', value: v, labels: { path: p } });
    }
    for (let i = 0; i < 4; i++) browser.push({ name: 'web_vitals_cls', type: 'histogram', value: 0.02, labels: { path: '/' } });
  }
  const server = [
    { name: 'signups_total', type: 'counter', value: round === 1 ? 4 : 6, labels: { plan: round === 1 ? 'pro' : 'free' } },
    { name: 'cart_items', type: 'gauge', value: round === 1 ? 40 : 42 },
    ...[0.2, 0.4, 0.4, 3].map((v) => ({ name: 'checkout_seconds', type: 'histogram', value: v })),
  ];
  return { browser, server };
}

describe('charts from the tenant-scoped Prometheus API', { skip: skipReason() || false, timeout: 10 * 60_000 }, () => {
  let stack;
  let browser;
  let page;
  let owner;
  const pageErrors = [];

  async function promHolds(query, want) {
    await until(async () => {
      const r = await fetch(`${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
      const j = await r.json();
      return j.data.result.length && Number(j.data.result[0].value[1]) === want;
    }, { timeoutMs: 30_000, what: `${query} = ${want} in Prometheus` });
  }

  async function shot(name) {
    for (const [tag, vp] of [['desktop', DESKTOP], ['375', MOBILE]]) {
      await page.setViewportSize(vp);
      // the charts follow their width: wait until each canvas is redrawn at this size
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${name} at ${vp.width}px: the page is ${overflow}px wider than the viewport`);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${tag}.png`), fullPage: true });
    }
    await page.setViewportSize(DESKTOP);
  }

  /** What a chart (figure[data-testid]) holds: its series names and values. */
  const chartData = (testid) => page.locator(`figure[data-testid="${testid}"]`).first().evaluate((f) => ({
    series: f.chartData.series.map((s) => ({ name: s.name, values: s.values.filter((v) => v !== null) })),
    canvas: f.querySelector('canvas') ? f.querySelector('canvas').width : 0,
  }));

  /** A page of its own, signed in to the dashboard as `email`, on the API keys page. */
  async function signedIn(email) {
    const context = await browser.newContext({ viewport: DESKTOP, baseURL: stack.baseUrl });
    const p = await context.newPage();
    p.setDefaultTimeout(20_000);
    p.on('pageerror', (err) => pageErrors.push(String(err?.stack || err)));
    await p.goto(`${stack.baseUrl}/#/signin`);
    await p.getByLabel('Email', { exact: true }).fill(email);
    await p.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.locator('main h1', { hasText: 'API keys' }).waitFor();
    return { context, page: p };
  }

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack();
    const base = stack.baseUrl;
    const email = `insights-${randomBytes(4).toString('hex')}@example.com`;
    const r = await call(base, 'POST', '/auth/signup', { body: { email, password: PASSWORD } });
    assert.equal(r.status, 201);
    owner = { email, id: r.json.user.id, token: r.json.access_token, key: r.json.api_key.api_key, secret: r.json.api_key.api_secret };
    for (const c of [
      { name: 'Sign-ups', metric_name: 'signups_total', metric_type: 'counter', labels: { plan: null } },
      { name: 'Cart items', metric_name: 'cart_items', metric_type: 'gauge' },
      { name: 'Checkout time', metric_name: 'checkout_seconds', metric_type: 'histogram' },
    ]) assert.equal((await call(base, 'POST', '/metric-configs', { token: owner.token, body: c })).status, 201);
    // another tenant with the same names: none of it may show
    const other = await call(base, 'POST', '/auth/signup', { body: { email: `other-${email}`, password: PASSWORD } });
    const otherKey = other.json.api_key;
    for (const round of [1, 2]) {
      const { browser: items, server } = rounds(round);
      const beacon = await call(base, 'POST', `/metrics?k=${owner.key}`, {
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN }, body: JSON.stringify({ metrics: items, batch_id: `b${round}` }),
      });
      assert.equal(beacon.status, 200, JSON.stringify(beacon.json));
      const push = await call(base, 'POST', '/metrics', { headers: { 'x-api-key': owner.key, 'x-api-secret': owner.secret }, body: { metrics: server } });
      assert.equal(push.status, 200, JSON.stringify(push.json));
      await call(base, 'POST', '/metrics', {
        headers: { 'x-api-key': otherKey.api_key, 'x-api-secret': otherKey.api_secret },
        body: { metrics: [{ name: 'cart_items', type: 'gauge', value: 9999 }, { name: 'signups_total', type: 'counter', value: 9999 }] },
      });
      await promHolds(`sum(page_views_total{tenant="${owner.id}"})`, round === 1 ? 7 : 11);
      await promHolds(`cart_items{tenant="${owner.id}"}`, round === 1 ? 40 : 42);
    }
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    page = (await signedIn(email)).page;
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (stack) {
      if (process.exitCode) console.log(await stack.logs());
      await stack.stop();
    }
  });

  test('Insights: web vitals shares exactly from the threshold buckets, p75, top paths', async () => {
    await page.getByRole('link', { name: 'Insights' }).click();
    const lcp = page.locator('[data-testid="vitals-table"] tr[data-vital="lcp"]');
    await lcp.waitFor();
    const shares = await lcp.locator('.share-text').evaluate((e) => ({ ...e.dataset }));
    // '/': 6 good, 3 NI, 1 poor; '/pricing': 2 poor → 6/12 good, 3/12 NI, 3/12 poor
    assert.deepEqual({ good: Number(shares.good), ni: Number(shares.ni), poor: Number(shares.poor) }, { good: 0.5, ni: 0.25, poor: 0.25 });
    assert.match(await lcp.locator('td.num').textContent(), /^12$/);
    // p75 of 12 loads lies in the (2.5, 4] bucket: needs improvement
    assert.match(await lcp.locator('.rating').getAttribute('class'), /rating-needs-improvement/);
    const cls = page.locator('[data-testid="vitals-table"] tr[data-vital="cls"]');
    assert.equal(Number(await cls.locator('.share-text').getAttribute('data-good')), 1);
    assert.match(await cls.locator('.rating').getAttribute('class'), /rating-good/);
    assert.match(await page.locator('[data-testid="vitals-table"] tr[data-vital="inp"]').textContent(), /no page loads/);
    const paths = await page.locator('[data-testid="vitals-paths"] tbody th').allTextContents();
    assert.deepEqual(paths, ['/', '/pricing'], 'top paths by page loads');
    const pricingLcp = page.locator('[data-testid="vitals-paths"] tbody tr').nth(1).locator('td').first();
    assert.match(await pricingLcp.locator('.rating').getAttribute('class'), /rating-poor/);
  });

  test('Insights: page views by path over time, exact totals, no other tenant', async () => {
    await until(async () => (await page.locator('[data-testid="page-views-total"]').count()) > 0, { what: 'page views total' });
    assert.equal(await page.locator('[data-testid="page-views-total"]').textContent(), '11');
    assert.equal(await page.locator('[data-testid="js-errors-total"]').textContent(), '2');
    const views = await chartData('chart-page-views');
    assert.deepEqual(views.series.map((s) => s.name).sort(), ['/', '/pricing']);
    assert.ok(views.series.every((s) => s.values.length > 0 && s.values.every((v) => v >= 0)), JSON.stringify(views));
    assert.ok(views.series.find((s) => s.name === '/').values.some((v) => v > 0), 'the second round shows as an increase');
    assert.ok(views.canvas > 0, 'uPlot drew a canvas');
    // the per-metric charts: the gauge holds the owner's last value, never the other tenant's
    const cart = await chartData('chart-cart_items');
    assert.equal(cart.series.length, 1);
    assert.match(cart.series[0].name, /instance e2e/);
    assert.ok(cart.series[0].values.includes(42) && !cart.series[0].values.includes(9999), JSON.stringify(cart));
    const totals = await page.locator('[data-testid="chart-total"]').allTextContents();
    assert.ok(totals.includes('10'), `sign-ups in range: ${totals}`);
    await page.locator('figure[data-testid="chart-checkout_seconds"]').waitFor();
    // the last 15 minutes, where the pushes are visible as lines (a range reload keeps the data)
    await page.getByLabel('15 min').check();
    await until(async () => (await chartData('chart-page-views').catch(() => ({ series: [] }))).series.length === 2, { what: 'the 15 min range' });
    await page.locator('figure[data-testid="chart-checkout_seconds"]').waitFor();
    await shot('insights');
  });

  test('a metric page: chart, breakdown by label (top 10 + other), range picker, keyboard', async () => {
    await page.getByRole('link', { name: 'Sign-ups' }).click();
    await page.locator('main h1', { hasText: 'Edit metric' }).waitFor();
    await page.locator('figure[data-testid="chart-signups_total"]').waitFor();
    assert.match(await page.locator('[data-testid="chart-total"]').textContent(), /^10$/);
    await page.getByLabel('Breakdown').selectOption('plan');
    await until(async () => {
      const d = await chartData('chart-signups_total').catch(() => null);
      return d && d.series.map((s) => s.name).sort().join() === 'free,pro';
    }, { what: 'the chart broken down by plan' });
    // keyboard: the range picker is a radio group, the legend keys are buttons
    await page.getByLabel('24 h').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByLabel('7 d').isChecked(), true);
    await until(async () => (await page.locator('figure[data-testid="chart-signups_total"]').count()) === 1, { what: 'redraw' });
    const key = page.locator('figure[data-testid="chart-signups_total"] .chart-key').first();
    await key.focus();
    await page.keyboard.press('Enter');
    assert.equal(await key.getAttribute('aria-pressed'), 'false');
    await shot('metric-signups');
    assert.deepEqual(pageErrors, []);
  });

  test('API keys page: a read key made in the dashboard reads through basic auth; the Grafana help', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Key name').fill('grafana');
    await page.getByLabel('Push metrics').uncheck();
    await page.getByLabel('Read metrics').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const pk = (await page.getByTestId('secret-api-key').textContent()).trim();
    const sk = (await page.getByTestId('secret-api-secret').textContent()).trim();
    const card = page.locator('[data-testid="key-list"] li', { hasText: 'grafana' });
    assert.equal((await card.getByTestId('key-scopes').textContent()).trim(), 'Read');
    const help = page.getByTestId('grafana-help');
    assert.equal((await help.locator('#grafana-url').textContent()).trim(), `${stack.baseUrl}/prometheus`);
    const auth = `Basic ${Buffer.from(`${pk}:${sk}`).toString('base64')}`;
    const r = await fetch(`${stack.baseUrl}/prometheus/api/v1/query?query=${encodeURIComponent('sum(page_views_total)')}`, { headers: { authorization: auth } });
    const j = await r.json();
    assert.equal(j.data.result[0].value[1], '11', JSON.stringify(j));
    const push = await call(stack.baseUrl, 'POST', '/metrics', { headers: { 'x-api-key': pk, 'x-api-secret': sk }, body: { metrics: [{ name: 'x_total', type: 'counter', value: 1 }] } });
    assert.equal(push.status, 403, 'a read-only key does not push');
    const href = await help.getByRole('link', { name: /web metrics dashboard/ }).getAttribute('href');
    const dash = await (await fetch(`${stack.baseUrl}${href}`)).json();
    assert.equal(dash.__inputs[0].pluginId, 'prometheus');
  });

  test('a query that does not parse is refused in Prometheus\'s shape, from the page itself', async () => {
    const res = await page.evaluate(async () => {
      const r = await fetch('/prometheus/api/v1/query', { method: 'POST', body: new URLSearchParams({ query: 'sum(' }) });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.errorType, 'bad_data');
  });

  test('a new account is told what to do; with Prometheus down the charts say so and pushes go on', async () => {
    const base = stack.baseUrl;
    const email = `empty-${randomBytes(4).toString('hex')}@example.com`;
    assert.equal((await call(base, 'POST', '/auth/signup', { body: { email, password: PASSWORD } })).status, 201);
    const { context, page: fresh } = await signedIn(email);
    await fresh.getByRole('link', { name: 'Insights' }).click();
    const empty = fresh.getByText('No data for page views in this range yet');
    await empty.waitFor();
    assert.match(await fresh.locator('main').textContent(), /Paste the tracking snippet into your site, or push with curl/);
    const snippet = fresh.getByRole('link', { name: 'Get the snippet or a curl command' }).first();
    assert.equal(await snippet.getAttribute('href'), '#/code');
    await context.close();

    // Prometheus stops: the read path answers 503 in Prometheus's shape, the page says what is
    // wrong instead of drawing nothing, and ingestion never depends on it
    await stack.stopPrometheus();
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.locator('main h1', { hasText: 'API keys' }).waitFor();
    await page.getByRole('link', { name: 'Insights' }).click();
    await page.getByText(/Charts are unavailable/).first().waitFor();
    const push = await call(base, 'POST', '/metrics', { headers: { 'x-api-key': owner.key, 'x-api-secret': owner.secret }, body: { metrics: [{ name: 'cart_items', type: 'gauge', value: 43 }] } });
    assert.equal(push.status, 200, JSON.stringify(push.json));
    assert.deepEqual(pageErrors, []);
  });
});
