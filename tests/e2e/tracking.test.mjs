// End-to-end test of the tracking code (SPEC §5.4, §6) in headless Chromium: a site on another
// origin with the loader snippet (or per-config generated code) pasted in, a real pushgate,
// Postgres and Pushgateway (harness.mjs), and the series read back from the Pushgateway.
// Over 300 lines: one served site and one browser for every scenario, in order.
//
//   cd tests/e2e && npm ci && PUSHGATE_BIN=… PUSHGATE_TEST_ADMIN_URL=… node --test tracking.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startStack, skipReason, until } from './harness.mjs';
import { api, rawGet, startSite, sitePage, readPushgateway, pick, sampleValue, histogram } from './tracking-support.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// Bucket edges of the built-in histograms (SPEC §6).
const EDGES = {
  page_load_seconds: [0.5, 1, 2, 3, 5, 8, 13],
  web_vitals_lcp_seconds: [1, 2.5, 4, 6, 10],
  web_vitals_inp_seconds: [0.1, 0.2, 0.5, 1, 2],
  web_vitals_cls: [0.05, 0.1, 0.25, 0.5, 1],
  web_vitals_fcp_seconds: [1, 1.8, 3, 5],
  web_vitals_ttfb_seconds: [0.2, 0.8, 1.8, 3],
  time_on_page_seconds: [5, 15, 30, 60, 180, 600],
};
// A label default that would end the inline <script> of generated code if it were not escaped.
const NASTY = '</script><script>window.__escaped=1</script>"\'';

const SKIP = skipReason();

describe('tracking code in headless Chromium', { skip: SKIP || false, timeout: 5 * 60_000 }, () => {
  let stack;
  let site;
  let browser;
  let bfBrowser; // one that keeps a back/forward cache (Playwright turns it off by default)
  const pages = {};
  const s = {}; // shared between the steps, which run in order

  const post = (path, body) => api(stack.baseUrl, 'POST', path, { body, token: s.token });
  const config = (metric_name, extra = {}) => post('/metric-configs', { name: metric_name, metric_name, metric_type: 'counter', ...extra });
  const read = () => readPushgateway(stack.pushgatewayUrl);

  /** Polls the Pushgateway until check(samples) lists no problem; fails with the last ones. */
  async function settle(check, what) {
    let problems = [];
    try {
      return await until(async () => {
        const samples = await read();
        problems = check(samples);
        return problems.length === 0 && samples;
      }, { timeoutMs: 30_000, intervalMs: 250, what });
    } catch (e) {
      throw new Error(`${e.message}\n  ${problems.join('\n  ')}\n${await stack.logs()}`);
    }
  }

  /** A server-side push with the secret; once it is in the Pushgateway, so is everything the
   * server accepted before it (each push carries the whole aggregate). */
  async function barrier(name) {
    const res = await fetch(`${stack.baseUrl}/api/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': s.serverKey.api_key, 'x-api-secret': s.serverKey.api_secret },
      body: JSON.stringify({ metrics: [{ name, type: 'counter', value: 1 }] }),
    });
    assert.equal(res.status, 200, await res.text());
    return settle((x) => (sampleValue(x, name, { tenant: s.tenant }) === 1 ? [] : [`${name} not there yet`]), name);
  }

  async function openPage(path, { tracked = true } = {}) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const seen = { warnings: [], errors: [], pushes: [], bodies: [] };
    page.on('console', (m) => { if (m.text().includes('[pushgate]')) seen.warnings.push(m.text()); });
    page.on('pageerror', (e) => seen.errors.push(String(e)));
    page.on('response', (r) => { if (r.url().includes('/api/v1/metrics')) seen.pushes.push(r); });
    page.on('request', (r) => { if (r.url().includes('/api/v1/metrics')) seen.bodies.push(r.postData() || ''); });
    await page.goto(`${site.origin}${path}`);
    if (tracked) await page.waitForFunction(() => window.MetricsTracker && window.__ready);
    return { page, context, seen };
  }

  before(async () => {
    stack = await startStack();
    site = await startSite(pages, { storable: ['/bf/'] });
    const id = randomBytes(4).toString('hex');
    const signup = await api(stack.baseUrl, 'POST', '/auth/signup', { body: { email: `track-${id}@example.com`, password: `correct-horse-${id}` } });
    s.token = signup.access_token;
    s.tenant = String(signup.user.id);
    s.serverKey = signup.api_key;
    s.siteKey = await post('/apikeys', { key_name: 'site', allowed_origins: [site.origin] });
    s.otherKey = await post('/apikeys', { key_name: 'elsewhere', allowed_origins: ['https://shop.example'] });
    await config('e2e_cta_clicks_total');
    await config('e2e_signup_submits_total');
    await config('e2e_plan_choices_total', { labels: { plan: null } });
    s.newsletter = await config('e2e_newsletter_clicks_total', { auto_track: true, labels: { source: NASTY } });

    const snippet = async (key) => (await post('/code-generation', { api_key_id: key.id, auto_track: true, custom_events: true })).snippet;
    s.snippet = await snippet(s.siteKey);
    s.code = (await post(`/metric-configs/${s.newsletter.id}/generate-code`, { api_key_id: s.siteKey.id })).code;
    pages['/app/'] = sitePage('Shop', s.snippet, `
      <button id="slow" data-track="e2e_cta_clicks_total">Buy</button>
      <button id="five" data-track="e2e_cta_clicks_total" data-value="5">Buy five</button>
      <form data-track="e2e_signup_submits_total"><input name="email" value="a@example.com">
        <button id="submit" type="submit">Sign up</button></form>`);
    pages['/config/'] = sitePage('Newsletter', s.code, `
      <button id="join" data-track="e2e_newsletter_clicks_total">Join</button>
      <button id="other" data-track="e2e_cta_clicks_total">Not this config's metric</button>`);
    pages['/refused/'] = sitePage('Elsewhere', await snippet(s.otherKey), '<button id="buy" data-track="e2e_cta_clicks_total">Buy</button>');
    const generic = `<script async src="${stack.baseUrl}/api/v1/client/script.js" data-key="${s.siteKey.api_key}"></script>`;
    pages['/generic/'] = sitePage('Generic', generic, '<button id="buy" data-track="e2e_cta_clicks_total">Buy</button>');
    // The snippet's load event says the second copy has run (an async script runs, then loads).
    const second = '<script>document.querySelector(\'script[src*="tracker.js"]\').addEventListener(\'load\', function () { window.__second = true; });</script>';
    pages['/twice/'] = sitePage('Twice', `${s.code}\n${s.snippet}\n${second}`, '');
    pages['/fast/'] = sitePage('Fast', s.snippet, '<button id="quick">Quick</button>');
    const busy = '<button id="busy60" data-busy="60">60 ms</button><button id="busy300" data-busy="300">300 ms</button>';
    pages['/again/'] = sitePage('Again', s.snippet, busy);
    pages['/bf/'] = sitePage('Cached', s.snippet, busy);
    pages['/bye'] = '<!doctype html><title>bye</title><p>Another page: the previous one was hidden.</p>';
    pages['/plain/'] = '<!doctype html><title>plain</title><p>No tracking code.</p>';

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  after(async () => {
    await browser?.close();
    await bfBrowser?.close();
    await site?.close();
    await stack?.stop();
  });

  test('the loader snippet is small, async and holds the key but no secret', () => {
    assert.ok(Buffer.byteLength(s.snippet) <= 250, `${Buffer.byteLength(s.snippet)} bytes: ${s.snippet}`);
    assert.match(s.snippet, /^<script async src="http:\/\/127\.0\.0\.1:\d+\/api\/v1\/tracker\.js\?k=pk_\w+&amp;a=1&amp;c=1"><\/script>$/);
    assert.ok(s.snippet.includes(s.siteKey.api_key));
    for (const code of [s.snippet, s.code]) assert.ok(!code.includes(s.siteKey.api_secret));
  });

  test('tracker.js with everything on goes out in at most 3,000 gzipped bytes (1 and 4 configs)', async (t) => {
    const sizeOf = async (key) => {
      const res = await rawGet(`${stack.baseUrl}/api/v1/tracker.js?k=${key}&a=1&c=1`, { 'Accept-Encoding': 'gzip' });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], 'gzip');
      const body = gunzipSync(res.body);
      // On the wire (the server's gzip, what browsers download: the figure asserted), and gzip -9
      // of the same script (a figure any tool gives, within ~10 bytes of it).
      return { bytes: body.length, wire: res.body.length, gzip9: gzipSync(body, { level: 9 }).length };
    };
    // A second account with one typical config.
    const id = randomBytes(4).toString('hex');
    const other = await api(stack.baseUrl, 'POST', '/auth/signup', { body: { email: `size-${id}@example.com`, password: `correct-horse-${id}` } });
    await api(stack.baseUrl, 'POST', '/metric-configs', {
      token: other.access_token,
      body: { name: 'Signups', metric_name: 'signups_total', metric_type: 'counter', labels: { plan: null } },
    });
    const one = await sizeOf(other.api_key.api_key);
    const four = await sizeOf(s.siteKey.api_key);
    for (const [what, x] of [['1 config', one], ["this test's 4 configs", four]]) {
      t.diagnostic(`tracker.js, everything on, ${what}: ${x.bytes} bytes, ${x.wire} gzipped as served, ${x.gzip9} with gzip -9`);
      assert.ok(x.wire <= 3000, `${what}: ${JSON.stringify(x)}`);
    }
  });

  test('a page on another origin with the snippet: views, SPA routes, vitals, errors, clicks, forms', async () => {
    const { page, context, seen } = await openPage('/app/');
    await page.click('#slow'); // 60 ms of work: an interaction INP sees
    await page.click('#slow');
    await page.click('#five');
    await page.click('#submit'); // counts one submit, not also a click
    await page.evaluate(() => window.MetricsTracker.track('e2e_plan_choices_total', 1, { plan: 'pro' }));
    await page.evaluate(() => {
      history.pushState({}, '', '/app/orders/12345');
      window.__errors = 0;
      addEventListener('error', () => { window.__errors += 1; });
      addEventListener('unhandledrejection', () => { window.__errors += 1; });
      setTimeout(() => { throw new Error('thrown by the site'); });
      Promise.reject(new Error('rejected by the site'));
    });
    await page.waitForFunction(() => window.__errors === 2);
    await page.goto(`${site.origin}/bye`); // hides the page: CLS, INP and time on page go out
    await context.close();

    const tenant = s.tenant;
    const app = { path: '/app/', tenant };
    const order = { path: '/app/orders/:id', tenant };
    const counters = [
      ['page_views_total', app, 1], ['page_views_total', order, 1],
      ['e2e_cta_clicks_total', { tenant }, 7], ['e2e_signup_submits_total', { tenant }, 1],
      ['e2e_plan_choices_total', { plan: 'pro', tenant }, 1],
      ['js_errors_total', { ...order, kind: 'error' }, 1],
      ['js_errors_total', { ...order, kind: 'unhandledrejection' }, 1],
    ];
    const histograms = [...Object.keys(EDGES).map((name) => [name, app]), ['time_on_page_seconds', order]];
    const samples = await settle((x) => [
      ...counters.filter(([n, l, v]) => sampleValue(x, n, l) !== v).map(([n, l, v]) => `${n} ${JSON.stringify(l)} is ${sampleValue(x, n, l)}, want ${v}`),
      ...histograms.filter(([n, l]) => histogram(x, n, l).count !== 1).map(([n, l]) => `${n} ${JSON.stringify(l)} count is ${histogram(x, n, l).count}, want 1`),
    ], 'every series of the page');

    for (const [name, labels] of histograms) {
      assert.deepEqual(histogram(samples, name, labels).edges, EDGES[name], `${name} buckets`);
    }
    assert.ok(histogram(samples, 'web_vitals_cls', app).sum > 0, 'the late banner shifted the layout');
    assert.ok(histogram(samples, 'web_vitals_inp_seconds', app).sum >= 0.04, 'the 60 ms click is the INP');
    assert.ok(histogram(samples, 'web_vitals_lcp_seconds', app).sum > 0);
    for (const name of ['page_views_total', 'js_errors_total', 'e2e_cta_clicks_total']) {
      assert.ok(pick(samples, name).every((x) => x.labels.tenant === tenant), `${name} carries tenant=${tenant}`);
    }
    assert.deepEqual(pick(samples, 'web_vitals_fid_seconds'), [], 'FID is not collected');
    assert.deepEqual(seen.warnings, [], 'the tracker had nothing to complain about');
    assert.ok(seen.errors.every((e) => /by the site/.test(e)), `only the site's own errors: ${seen.errors}`);
    assert.ok(seen.pushes.every((r) => r.status() === 200), `push statuses ${seen.pushes.map((r) => r.status())}`);
  });

  test('per-config generated code: that config only, same library, escaped config', async () => {
    const { page, context, seen } = await openPage('/config/');
    assert.equal(await page.evaluate(() => window.__escaped), undefined, 'the label default stayed a string');
    for (let i = 0; i < 3; i += 1) await page.click('#join');
    await page.click('#other'); // another config's metric: not in this code
    await page.evaluate(() => window.MetricsTracker.flush()); // a fetch, whose body the test can see
    await page.goto(`${site.origin}/bye`);
    await context.close();

    const tenant = s.tenant;
    const samples = await settle((x) => [
      sampleValue(x, 'e2e_newsletter_clicks_total', { source: NASTY, tenant }) === 3 ? null : 'newsletter clicks are not 3',
      sampleValue(x, 'page_views_total', { path: '/config/', tenant }) === 1 ? null : 'no page view of /config/ (auto_track is on)',
      histogram(x, 'web_vitals_lcp_seconds', { path: '/config/', tenant }).count === 1 ? null : 'no LCP of /config/',
    ].filter(Boolean), 'the generated code\'s series');
    assert.equal(sampleValue(samples, 'e2e_cta_clicks_total', { tenant }), 7, 'unchanged by the config page');
    assert.ok(seen.bodies.length > 0 && seen.bodies.every((b) => !b.includes('e2e_cta_clicks_total')), 'never sent');
    assert.ok(seen.warnings.some((w) => w.includes('unknown metric e2e_cta_clicks_total')), `warnings: ${seen.warnings}`);
  });

  test('the generic client/script.js, configured by data-* attributes: built-in metrics only', async () => {
    const { page, context, seen } = await openPage('/generic/');
    await page.click('#buy'); // not known to the generic library: no config was injected
    await page.goto(`${site.origin}/bye`);
    await context.close();
    const samples = await settle((x) => [
      sampleValue(x, 'page_views_total', { path: '/generic/', tenant: s.tenant }) === 1 ? null : 'no page view of /generic/',
      histogram(x, 'web_vitals_fcp_seconds', { path: '/generic/', tenant: s.tenant }).count === 1 ? null : 'no FCP of /generic/',
    ].filter(Boolean), 'the generic script\'s series');
    assert.equal(sampleValue(samples, 'e2e_cta_clicks_total', { tenant: s.tenant }), 7);
    assert.ok(seen.warnings.some((w) => w.includes('unknown metric e2e_cta_clicks_total')), `warnings: ${seen.warnings}`);
  });

  test('the library loaded twice on one page (generated code and snippet) counts once', async () => {
    const { page, context } = await openPage('/twice/');
    await page.waitForFunction(() => window.__second);
    await page.goto(`${site.origin}/bye`);
    await context.close();
    const samples = await settle((x) => (histogram(x, 'time_on_page_seconds', { path: '/twice/', tenant: s.tenant }).count >= 1 ? [] : ['no time on page of /twice/']), '/twice/');
    assert.equal(sampleValue(samples, 'page_views_total', { path: '/twice/', tenant: s.tenant }), 1);
    assert.equal(histogram(samples, 'time_on_page_seconds', { path: '/twice/', tenant: s.tenant }).count, 1);
    assert.equal(histogram(samples, 'web_vitals_lcp_seconds', { path: '/twice/', tenant: s.tenant }).count, 1);
    assert.equal(histogram(samples, 'web_vitals_cls', { path: '/twice/', tenant: s.tenant }).count, 1);
    assert.deepEqual(pick(samples, 'web_vitals_inp_seconds_count', { path: '/twice/' }), [], 'no interaction, no INP');
  });

  test('INP of a visitor whose only interaction was fast: sent all the same', async () => {
    const { page, context } = await openPage('/fast/');
    await page.click('#quick'); // no work: Event Timing may have no entry over its threshold
    await page.goto(`${site.origin}/bye`);
    await context.close();
    const fast = { path: '/fast/', tenant: s.tenant };
    const samples = await settle((x) => (histogram(x, 'web_vitals_inp_seconds', fast).count === 1 ? [] : ['no INP of /fast/']), '/fast/');
    assert.equal(histogram(samples, 'web_vitals_cls', fast).count, 1);
  });

  test('a page hidden twice (tab switch, return, leave) sends CLS and INP once, with the final values', async () => {
    const { page, context } = await openPage('/again/');
    const again = { path: '/again/', tenant: s.tenant };
    // Headless Chromium keeps every tab visible: the tab switch is told to the page.
    const visibility = (state) => page.evaluate((v) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => v });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
    await page.click('#busy60');
    await visibility('hidden'); // another tab
    // LCP and time on page go out at the first hide, in one beacon with anything else queued.
    let samples = await settle((x) => (histogram(x, 'time_on_page_seconds', again).count === 1 ? [] : ['no time on page of /again/']), 'the first hide');
    assert.equal(histogram(samples, 'web_vitals_lcp_seconds', again).count, 1);
    assert.deepEqual(pick(samples, 'web_vitals_cls_count', { path: '/again/' }), [], 'no CLS at the first hide');
    assert.deepEqual(pick(samples, 'web_vitals_inp_seconds_count', { path: '/again/' }), [], 'no INP at the first hide');
    await visibility('visible'); // back
    await page.click('#busy300');
    await page.goto(`${site.origin}/bye`); // leaving: pagehide
    await context.close();
    samples = await settle((x) => ['web_vitals_cls', 'web_vitals_inp_seconds']
      .filter((n) => histogram(x, n, again).count !== 1).map((n) => `${n} of /again/: ${histogram(x, n, again).count}`), 'the leave');
    assert.ok(histogram(samples, 'web_vitals_inp_seconds', again).sum >= 0.3, 'the INP is the 300 ms click after the return');
    assert.ok(histogram(samples, 'web_vitals_cls', again).sum > 0);
    assert.equal(histogram(samples, 'web_vitals_lcp_seconds', again).count, 1);
    assert.equal(histogram(samples, 'time_on_page_seconds', again).count, 1);
    assert.equal(sampleValue(samples, 'page_views_total', again), 1);
  });

  test('back/forward cache: the restored page counts a view and sends vitals of its own', async () => {
    bfBrowser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
    const context = await bfBrowser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${site.origin}/bf/`);
    await page.waitForFunction(() => window.MetricsTracker && window.__ready);
    await page.click('#busy60');
    await page.goto(`${site.origin}/bye`); // into the cache
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(() => window.__restored === 1); // restored, not loaded again
    // The restored page's FCP and LCP are taken two frames after pageshow.
    await page.evaluate(() => new Promise((r) => { requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 50))); }));
    await page.goto(`${site.origin}/bye`); // left again, with no interaction since the restore
    await context.close();

    const bf = { path: '/bf/', tenant: s.tenant };
    const want = { page_views_total: 2 };
    const counts = {
      web_vitals_fcp_seconds: 2, web_vitals_lcp_seconds: 2, web_vitals_cls: 2, time_on_page_seconds: 2,
      web_vitals_inp_seconds: 1, web_vitals_ttfb_seconds: 1, page_load_seconds: 1,
    };
    const samples = await settle((x) => [
      ...Object.entries(want).filter(([n, v]) => sampleValue(x, n, bf) !== v).map(([n, v]) => `${n} is ${sampleValue(x, n, bf)}, want ${v}`),
      ...Object.entries(counts).filter(([n, v]) => histogram(x, n, bf).count !== v).map(([n, v]) => `${n} count is ${histogram(x, n, bf).count}, want ${v}`),
    ], 'the cached page\'s series');
    assert.ok(histogram(samples, 'web_vitals_inp_seconds', bf).sum >= 0.06, 'the INP is the first visit\'s click');
  });

  test('a page on an origin the key does not allow: its pushes are refused with 403', async () => {
    const { page, context, seen } = await openPage('/refused/');
    await page.click('#buy');
    await page.evaluate(() => window.MetricsTracker.flush());
    await until(() => seen.pushes.length > 0, { what: 'a push from the refused page' });
    for (const r of seen.pushes) {
      assert.equal(r.status(), 403);
      assert.equal((await r.json()).error.code, 'forbidden');
    }
    assert.ok(seen.warnings.some((w) => w.includes('is not allowed for this API key')), `warnings: ${seen.warnings}`);
    await context.close();

    const samples = await barrier('e2e_after_refused_total');
    assert.deepEqual(pick(samples, 'page_views_total', { path: '/refused/' }), []);
    assert.equal(sampleValue(samples, 'e2e_cta_clicks_total', { tenant: s.tenant }), 7);
  });

  test('a browser push of an undeclared metric or label is refused', async () => {
    const { page, context } = await openPage('/plain/', { tracked: false });
    const push = (item, headers = {}) => page.evaluate(async ({ url, body, headers: h }) => {
      const r = await fetch(url, { method: 'POST', headers: h, body });
      return { status: r.status, body: await r.json() };
    }, { url: `${stack.baseUrl}/api/v1/metrics?k=${s.siteKey.api_key}`, body: JSON.stringify({ metrics: [item] }), headers });
    const refusals = [
      // application/json makes the browser send a CORS preflight first: it must be answered.
      [{ name: 'e2e_undeclared_total', type: 'counter', value: 1 }, { 'content-type': 'application/json' }, 'undeclared_metric'],
      [{ name: 'e2e_plan_choices_total', type: 'counter', value: 1, labels: { plan: 'pro', colour: 'red' } }, {}, 'label_not_declared'],
      [{ name: 'page_views_total', type: 'counter', value: 1, labels: { path: '/plain/', user: 'bob' } }, {}, 'label_not_declared'],
    ];
    for (const [item, headers, code] of refusals) {
      const r = await push(item, headers);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.error.details.errors[0].code, code, JSON.stringify(r.body));
    }
    const ok = await push({ name: 'e2e_plan_choices_total', type: 'counter', value: 1, labels: { plan: 'free' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    await context.close();

    const samples = await settle((x) => (sampleValue(x, 'e2e_plan_choices_total', { plan: 'free', tenant: s.tenant }) === 1 ? [] : ['the accepted push is not there']), 'the accepted push');
    assert.deepEqual(pick(samples, 'e2e_undeclared_total'), []);
    assert.deepEqual(pick(samples, 'e2e_plan_choices_total').filter((x) => 'colour' in x.labels), []);
    assert.deepEqual(pick(samples, 'page_views_total', { path: '/plain/' }), []);
  });
});
