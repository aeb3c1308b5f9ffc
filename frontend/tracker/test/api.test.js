'use strict';
// window.MetricsTracker: the items each method produces.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createBrowser, makeConfig } = require('./fake_browser');

async function sent(calls) {
  const b = createBrowser();
  const t = b.load(makeConfig());
  calls(t);
  await t.flush();
  return { b, items: b.sentItems() };
}

test('counter: track and increment add, default increment is 1', async () => {
  const { items } = await sent((t) => {
    t.track('signups_total', 2, { plan: 'pro' });
    t.increment('signups_total', 3, { plan: 'free' });
    t.increment('signups_total', undefined, { plan: 'team' });
  });
  assert.deepEqual(items, [
    { name: 'signups_total', type: 'counter', value: 2, labels: { plan: 'pro', source: 'web' } },
    { name: 'signups_total', type: 'counter', value: 3, labels: { plan: 'free', source: 'web' } },
    { name: 'signups_total', type: 'counter', value: 1, labels: { plan: 'team', source: 'web' } },
  ]);
});

test('counter increments of the same series queued together are merged into one item', async () => {
  const { items } = await sent((t) => {
    t.increment('signups_total', 1, { plan: 'pro' });
    t.increment('signups_total', 2, { plan: 'pro' });
    t.increment('signups_total', 1, { plan: 'free' });
  });
  assert.deepEqual(
    items.map((i) => [i.labels.plan, i.value]),
    [
      ['pro', 3],
      ['free', 1],
    ],
  );
});

test('gauge: track sets, increment / decrement carry op inc / dec', async () => {
  const { items } = await sent((t) => {
    t.track('cart_items', 3);
    t.increment('cart_items');
    t.decrement('cart_items', 2);
    t.decrement('cart_items');
  });
  assert.deepEqual(items, [
    { name: 'cart_items', type: 'gauge', value: 3, op: 'set' },
    { name: 'cart_items', type: 'gauge', value: 1, op: 'inc' },
    { name: 'cart_items', type: 'gauge', value: 2, op: 'dec' },
    { name: 'cart_items', type: 'gauge', value: 1, op: 'dec' },
  ]);
});

test('histogram and summary: track and observe record one observation each', async () => {
  const { items } = await sent((t) => {
    t.observe('checkout_seconds', 0.42);
    t.track('checkout_seconds', 1.5, { step: 'review' });
    t.observe('api_latency_seconds', 0.03);
  });
  assert.deepEqual(items, [
    { name: 'checkout_seconds', type: 'histogram', value: 0.42, labels: { step: 'pay' } },
    { name: 'checkout_seconds', type: 'histogram', value: 1.5, labels: { step: 'review' } },
    { name: 'api_latency_seconds', type: 'summary', value: 0.03 },
  ]);
});

test('built-in metrics are known with their fixed types', async () => {
  const { items } = await sent((t) => {
    t.observe('page_load_seconds', 1.2, { path: '/x' });
    t.increment('js_errors_total', 1, { kind: 'error', path: '/' });
  });
  assert.deepEqual(items, [
    { name: 'page_load_seconds', type: 'histogram', value: 1.2, labels: { path: '/x' } },
    { name: 'js_errors_total', type: 'counter', value: 1, labels: { path: '/', kind: 'error' } },
  ]);
});

test('undeclared labels are dropped with a warning; label values become strings', async () => {
  const { b, items } = await sent((t) => {
    t.track('signups_total', 1, { plan: 42, campaign: 'spring', source: 'ads' });
  });
  assert.deepEqual(items, [{ name: 'signups_total', type: 'counter', value: 1, labels: { plan: '42', source: 'ads' } }]);
  assert.ok(b.warnings.some((w) => /campaign/.test(w)));
});

test('a null label value takes the default; no label at all when nothing is set', async () => {
  const { items } = await sent((t) => {
    t.track('checkout_seconds', 1, { step: null });
    t.track('cart_items', 1, { anything: 'x' });
  });
  assert.deepEqual(items[0].labels, { step: 'pay' });
  assert.equal('labels' in items[1], false);
});

test('unknown metric names are dropped with one console warning', async () => {
  const { b, items } = await sent((t) => {
    t.track('not_declared_total', 1);
    t.track('not_declared_total', 1);
    t.increment('also_unknown');
  });
  assert.deepEqual(items, []);
  assert.equal(b.requests.length, 0);
  assert.equal(b.warnings.filter((w) => /not_declared_total/.test(w)).length, 1);
  assert.ok(b.warnings.some((w) => /also_unknown/.test(w)));
});

test('a method that does not fit the type is refused', async () => {
  const { b, items } = await sent((t) => {
    t.decrement('signups_total'); // counters only go up
    t.observe('signups_total', 1);
    t.increment('checkout_seconds');
    t.observe('cart_items', 2);
  });
  assert.deepEqual(items, []);
  assert.equal(b.warnings.length, 4);
});

test('bad values are refused: NaN, Infinity, negative counter increments', async () => {
  const { items } = await sent((t) => {
    t.track('signups_total', -1);
    t.track('signups_total', 'abc');
    t.track('cart_items', Infinity);
    t.observe('checkout_seconds'); // no value
    t.track('cart_items', '7'); // numeric strings are fine
    t.track('cart_items', -2); // gauges may go negative
  });
  assert.deepEqual(
    items.map((i) => i.value),
    [7, -2],
  );
});

test('flush() returns a promise that settles once the batch is answered', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig());
  t.increment('signups_total');
  const p = t.flush();
  assert.equal(typeof p.then, 'function');
  await p;
  assert.equal(b.requests.length, 1);
  const empty = t.flush();
  assert.equal(typeof empty.then, 'function');
  await empty;
  assert.equal(b.requests.length, 1, 'nothing queued, nothing sent');
});
