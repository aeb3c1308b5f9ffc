'use strict';
// The host page never sees an exception from the tracker, whatever the browser lacks.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createBrowser, makeConfig, tick } = require('./fake_browser');

const EVERYTHING = { auto_track: true, custom_events: true };

// Drives a whole session; every listener error is collected by the fake browser.
async function session(b) {
  const t = b.window.MetricsTracker;
  t.track('signups_total', 1, { plan: 'pro' });
  t.track();
  t.track(null, null, null);
  t.track({}, {}, 'labels?');
  t.track('signups_total', 1, 'not an object');
  t.increment('cart_items', '2', [1, 2]);
  t.decrement('toString');
  t.observe('__proto__', 1);
  t.observe('checkout_seconds', {
    valueOf() {
      throw new Error('hostile valueOf');
    },
  });
  const p = t.flush();
  if (p) await p;
  b.navigate('/a/1');
  b.click(b.el('button', { 'data-track': 'signups_total' }));
  b.submit(b.el('form', { 'data-track': 'signups_total' }));
  b.jsError();
  b.rejection();
  b.fireLoad();
  await b.advance(30000);
  b.hide();
  b.show();
  b.pagehide();
  await b.advance(120000);
}

test('hostile arguments to the API never throw', async () => {
  const b = createBrowser();
  b.load(makeConfig(EVERYTHING));
  await session(b);
  assert.deepEqual(b.listenerErrors, []);
});

test('a fetch that throws synchronously, or rejects, never reaches the page', async () => {
  const b = createBrowser();
  b.load(makeConfig(EVERYTHING));
  for (let i = 0; i < 20; i++) b.responses.push(i % 2 ? 'throw' : 'network');
  await session(b);
  assert.deepEqual(b.listenerErrors, []);
  assert.ok(b.requests.length > 1, 'retried');
});

test('a broken response (json() throws) is harmless', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig(EVERYTHING));
  b.responses.push(
    Promise.resolve({
      status: 400,
      ok: false,
      headers: null,
      json() {
        throw new Error('boom');
      },
    }),
  );
  t.track('cart_items', 1);
  await t.flush();
  assert.deepEqual(b.listenerErrors, []);
});

test('no PerformanceObserver, no sendBeacon, no fetch, no navigation timing: still no exception', async () => {
  const b = createBrowser({ entryTypes: null, sendBeacon: false, fetch: false, navigation: null });
  const t = b.load(makeConfig(EVERYTHING));
  assert.ok(t);
  await session(b);
  assert.deepEqual(b.listenerErrors, []);
});

test('a PerformanceObserver that throws on observe() is tolerated', async () => {
  const b = createBrowser();
  b.context.PerformanceObserver = function () {
    this.observe = () => {
      throw new TypeError('unsupported');
    };
  };
  const t = b.load(makeConfig(EVERYTHING));
  assert.ok(t);
  await session(b);
  assert.deepEqual(b.listenerErrors, []);
  const items = await b.allItems();
  assert.ok(items.some((i) => i.name === 'page_views_total'));
});

test('sendBeacon that throws falls back to fetch keepalive', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig());
  b.window.navigator.sendBeacon = () => {
    throw new TypeError('Illegal invocation');
  };
  t.track('cart_items', 1);
  b.pagehide();
  assert.equal(b.requests.length, 1);
  assert.equal(b.requests[0].keepalive, true);
  assert.deepEqual(b.listenerErrors, []);
});

test('loading into a page without document / navigator / history does not throw', () => {
  const b = createBrowser();
  delete b.context.document;
  delete b.context.navigator;
  delete b.context.history;
  delete b.context.location;
  delete b.context.performance;
  assert.doesNotThrow(() => b.load(makeConfig(EVERYTHING)));
  assert.doesNotThrow(() => b.window.MetricsTracker.track('signups_total', 1));
});

test('without Promise, flush() still sends and returns nothing', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig());
  b.run('window.Promise = undefined');
  t.track('cart_items', 1);
  assert.equal(t.flush(), undefined);
  b.run('delete window.Promise');
  await tick();
  assert.equal(b.requests.length, 1);
});
