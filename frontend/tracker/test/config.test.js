'use strict';
// How the library finds its configuration, and loading it twice.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createBrowser, makeConfig, readSource, MARKER, ENDPOINT, ORIGIN } = require('./fake_browser');

test('the config marker occurs exactly once, as the last argument of the wrapper', () => {
  const src = readSource();
  assert.equal(src.split(MARKER).length - 1, 1);
  assert.ok(src.includes(`${MARKER})`), 'the marker is the last argument of the wrapper call');
});

test('the source stays ES5: no arrows, let/const, classes or template literals', () => {
  const code = readSource()
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:\\])\/\/.*$/gm, '$1');
  assert.doesNotMatch(code, /=>|\blet\s|\bconst\s|\bclass\s|`/);
});

test('an injected config is used: key in the URL, declared metrics known', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig());
  assert.equal(typeof t.track, 'function');
  t.increment('signups_total');
  await t.flush();
  assert.equal(b.requests.length, 1);
  assert.equal(b.requests[0].url, `${ENDPOINT}?k=pk_abc`);
  assert.deepEqual(b.sentItems(), [{ name: 'signups_total', type: 'counter', value: 1, labels: { source: 'web' } }]);
});

test('the key is URL-encoded', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig({ key: 'pk_a&b=c' }));
  t.increment('signups_total');
  await t.flush();
  assert.equal(b.requests[0].url, `${ENDPOINT}?k=pk_a%26b%3Dc`);
});

test('generic script: window.PushgateConfig is read when nothing was injected', async () => {
  const b = createBrowser({ pushgateConfig: makeConfig({ key: 'pk_generic' }) });
  const t = b.load(); // served unchanged
  t.track('cart_items', 3);
  await t.flush();
  assert.equal(b.requests[0].url, `${ENDPOINT}?k=pk_generic`);
  assert.deepEqual(b.sentItems(), [{ name: 'cart_items', type: 'gauge', value: 3, op: 'set' }]);
});

test('an injected config wins over window.PushgateConfig', async () => {
  const b = createBrowser({ pushgateConfig: makeConfig({ key: 'pk_page' }) });
  const t = b.load(makeConfig({ key: 'pk_injected' }));
  t.increment('signups_total');
  await t.flush();
  assert.equal(b.requests[0].url, `${ENDPOINT}?k=pk_injected`);
});

test('generic script: data-* attributes of the script tag', async () => {
  const b = createBrowser({
    script: {
      src: '/api/v1/client/script.js',
      'data-key': 'pk_attr',
      'data-endpoint': 'https://collect.example/api/v1/metrics',
      'data-auto-track': 'false',
      'data-custom-events': 'true',
    },
  });
  const t = b.load();
  assert.ok(t, 'MetricsTracker is defined');
  // Auto-tracking is off: no page view was queued.
  await t.flush();
  assert.equal(b.requests.length, 0);
  // Custom events are on (built-ins are the only metrics known without a declared list).
  const el = b.el('button', { 'data-track': 'page_views_total' });
  b.click(el);
  await t.flush();
  assert.equal(b.requests[0].url, 'https://collect.example/api/v1/metrics?k=pk_attr');
  assert.equal(b.sentItems()[0].name, 'page_views_total');
});

test('generic script without data-endpoint sends to the server it came from', async () => {
  const b = createBrowser({
    script: { src: 'https://pushgate.example/api/v1/client/script.js?v=1', 'data-key': 'pk_attr', 'data-auto-track': '1' },
  });
  const t = b.load();
  await t.flush();
  assert.equal(b.requests[0].url, 'https://pushgate.example/api/v1/metrics?k=pk_attr');
  assert.ok(
    b.sentItems().some((i) => i.name === 'page_views_total'),
    'auto-tracking on by data-auto-track="1"',
  );
});

test('auto_track and custom_events default to on when absent', async () => {
  const b = createBrowser({ pushgateConfig: { key: 'pk_x', endpoint: ENDPOINT } });
  const t = b.load();
  await t.flush();
  assert.ok(b.sentItems().some((i) => i.name === 'page_views_total'));
  assert.ok(b.listenerCount() > 0);
});

test('no config at all: a console warning, no API, no listeners, no requests', async () => {
  const b = createBrowser({ script: { src: `${ORIGIN}/api/v1/client/script.js` } });
  b.load();
  assert.equal(b.window.MetricsTracker, undefined);
  assert.equal(b.warnings.length, 1);
  assert.match(b.warnings[0], /pushgate.*key/);
  assert.equal(b.listenerCount(), 0);
  await b.advance(10000);
  assert.equal(b.requests.length, 0);
});

test('loading twice is a no-op: same API object, no extra listeners, one page view', async () => {
  const b = createBrowser();
  const first = b.load(makeConfig({ auto_track: true, custom_events: true }));
  const listeners = b.listenerCount();
  const pushState = b.window.history.pushState;
  const second = b.load(makeConfig({ auto_track: true, custom_events: true, key: 'pk_other' }));
  assert.equal(second, first);
  assert.equal(b.listenerCount(), listeners);
  assert.equal(b.window.history.pushState, pushState, 'history is not wrapped twice');
  await first.flush();
  const views = b.sentItems().filter((i) => i.name === 'page_views_total');
  assert.equal(views.length, 1);
  assert.equal(views[0].value, 1);
  assert.ok(b.requests.every((r) => r.url.endsWith('?k=pk_abc')));
});

test('no cookies and no storage are touched', () => {
  const b = createBrowser();
  const touched = [];
  const trap = (name) => ({
    get() {
      touched.push(name);
      return undefined;
    },
    configurable: true,
  });
  Object.defineProperty(b.document, 'cookie', trap('cookie'));
  Object.defineProperty(b.context, 'localStorage', trap('localStorage'));
  Object.defineProperty(b.context, 'sessionStorage', trap('sessionStorage'));
  const t = b.load(makeConfig({ auto_track: true, custom_events: true }));
  t.increment('signups_total');
  b.hide();
  assert.deepEqual(touched, []);
});
