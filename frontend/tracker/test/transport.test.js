'use strict';
// Batching, batch ids, retries with backoff, the bounded queue, and beacons on page hide.
// Over 300 lines: one test per transport rule, all sharing setup() below.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createBrowser, makeConfig, ENDPOINT, tick } = require('./fake_browser');

function setup(options, config) {
  const b = createBrowser(options);
  const t = b.load(makeConfig(config));
  return { b, t };
}
// Distinct items (gauge sets are never merged).
function queueGauges(t, n, from = 0) {
  for (let i = from; i < from + n; i++) t.track('cart_items', i);
}
const KEYED_URL = `${ENDPOINT}?k=pk_abc`;

test('a batch goes out as soon as 10 items are queued', async () => {
  const { b, t } = setup();
  queueGauges(t, 9);
  await tick();
  assert.equal(b.requests.length, 0);
  queueGauges(t, 1, 9);
  await tick();
  assert.equal(b.requests.length, 1);
  assert.equal(b.requests[0].json.metrics.length, 10);
  assert.equal(b.requests[0].method, 'POST');
  assert.equal(b.requests[0].url, KEYED_URL);
  // No headers: a string body goes as text/plain;charset=UTF-8, a simple request (no preflight).
  assert.deepEqual(b.requests[0].headers, {});
  assert.equal(typeof b.requests[0].body, 'string');
  assert.equal(b.requests[0].keepalive, false);
});

test('fewer items go out 5 s after the first one was queued', async () => {
  const { b, t } = setup();
  t.track('cart_items', 1);
  await b.advance(3000);
  t.track('cart_items', 2);
  await b.advance(1999);
  assert.equal(b.requests.length, 0);
  await b.advance(1);
  assert.equal(b.requests.length, 1);
  assert.deepEqual(
    b.requests[0].json.metrics.map((i) => i.value),
    [1, 2],
  );
  await b.advance(60000);
  assert.equal(b.requests.length, 1, 'no empty batches');
});

test('a failed batch is retried with the same batch_id; the next batch gets a new one', async () => {
  const { b, t } = setup();
  b.responses.push('network', { status: 503, body: { error: { code: 'unavailable', message: 'later' } } });
  queueGauges(t, 10);
  await tick();
  await b.advance(60000);
  assert.equal(b.requests.length, 3);
  const ids = b.requests.map((r) => r.json.batch_id);
  assert.equal(typeof ids[0], 'string');
  assert.ok(ids[0].length >= 8);
  assert.equal(ids[1], ids[0]);
  assert.equal(ids[2], ids[0]);
  assert.deepEqual(b.requests[2].json.metrics, b.requests[0].json.metrics);

  queueGauges(t, 10);
  await tick();
  assert.equal(b.requests.length, 4);
  assert.notEqual(b.requests[3].json.batch_id, ids[0]);
});

test('429 is retried', async () => {
  const { b, t } = setup();
  b.responses.push({ status: 429, headers: { 'Retry-After': '1' }, body: { error: { code: 'rate_limited', message: 'slow down' } } });
  t.track('cart_items', 1);
  await t.flush();
  assert.equal(b.requests.length, 1);
  await b.advance(2000);
  assert.equal(b.requests.length, 2);
  assert.equal(b.requests[1].json.batch_id, b.requests[0].json.batch_id);
});

test('a 400 is not retried and the server message is shown', async () => {
  const { b, t } = setup();
  b.responses.push({ status: 400, body: { error: { code: 'empty_batch', message: 'the batch has no items' } } });
  t.track('cart_items', 1);
  await t.flush();
  await b.advance(120000);
  assert.equal(b.requests.length, 1);
  assert.ok(
    b.warnings.some((w) => /the batch has no items/.test(w)),
    b.warnings.join('\n'),
  );
});

test('a 422 (nothing accepted) is not retried; rejections in a 200 are shown', async () => {
  const { b, t } = setup();
  b.responses.push(
    {
      status: 422,
      body: { error: { code: 'nothing_accepted', message: 'no item was accepted', details: { accepted: 0, rejected: 1, errors: [] } } },
    },
    {
      status: 200,
      body: { accepted: 1, rejected: 1, errors: [{ index: 1, name: 'cart_items', code: 'bad_label', message: 'label x not declared' }] },
    },
  );
  t.track('cart_items', 1);
  await t.flush();
  t.track('cart_items', 2);
  await t.flush();
  await tick();
  await b.advance(120000);
  assert.equal(b.requests.length, 2);
  assert.ok(b.warnings.some((w) => /no item was accepted/.test(w)));
  assert.ok(b.warnings.some((w) => /label x not declared/.test(w)));
});

test('backoff grows (1 s, 2 s, 4 s … with jitter) and the batch is dropped after 6 attempts', async () => {
  const { b, t } = setup();
  for (let i = 0; i < 10; i++) b.responses.push({ status: 500 });
  t.track('cart_items', 1);
  await t.flush();
  const delays = [];
  for (let attempt = 1; attempt < 6; attempt++) {
    const pending = b.timerDelays();
    assert.equal(pending.length, 1, 'one retry timer');
    delays.push(pending[0]);
    await b.advance(pending[0]);
    assert.equal(b.requests.length, attempt + 1);
  }
  for (let i = 0; i < delays.length; i++) {
    const base = 1000 * 2 ** i;
    assert.ok(delays[i] >= base && delays[i] <= base * 1.5, `delay ${i}: ${delays[i]}`);
    if (i) assert.ok(delays[i] > delays[i - 1]);
  }
  // Sixth attempt failed: given up, no more timers, a warning.
  assert.deepEqual(b.timerDelays(), []);
  await b.advance(600000);
  assert.equal(b.requests.length, 6);
  assert.ok(b.warnings.some((w) => /dropped/.test(w)));
  assert.ok(new Set(b.requests.map((r) => r.json.batch_id)).size === 1);
});

test('the queue is bounded while the server is away: the oldest items are dropped', async () => {
  const { b, t } = setup();
  b.responses.push('network');
  queueGauges(t, 10); // sent, fails, waits to retry
  await tick();
  queueGauges(t, 600, 10); // 60 more batches pile up
  await tick();
  const failed = b.requests.length;
  await b.advance(600000); // the server is back (default answers are 200)
  const delivered = b.requests.slice(failed).flatMap((r) => r.json.metrics.map((i) => i.value));
  assert.equal(delivered.length, 500);
  assert.equal(delivered[delivered.length - 1], 609, 'the newest item is kept');
  assert.equal(delivered[0], 110, 'the oldest were dropped');
  assert.ok(b.warnings.some((w) => /queue full/.test(w)));
});

test('one request at a time: the next batch waits for the answer to the current one', async () => {
  const { b, t } = setup();
  let answer;
  b.responses.push(
    new Promise((resolve) => {
      answer = resolve;
    }),
  );
  queueGauges(t, 20);
  await tick();
  assert.equal(b.requests.length, 1);
  answer({ status: 200, ok: true, headers: { get: () => null }, json: () => Promise.resolve({ accepted: 10 }) });
  await tick();
  await tick();
  assert.equal(b.requests.length, 2);
});

test('flush() during a backoff sends at once', async () => {
  const { b, t } = setup();
  b.responses.push('network');
  t.track('cart_items', 1);
  await t.flush();
  assert.equal(b.requests.length, 1);
  await t.flush();
  assert.equal(b.requests.length, 2);
  assert.equal(b.requests[1].json.batch_id, b.requests[0].json.batch_id);
});

test('on pagehide the queue goes out by sendBeacon: key in the URL, text/plain JSON', async () => {
  const { b, t } = setup();
  t.track('cart_items', 5);
  t.increment('signups_total');
  b.pagehide();
  assert.equal(b.requests.length, 0, 'no fetch');
  const beacons = await b.beacons();
  assert.equal(beacons.length, 1);
  assert.equal(beacons[0].url, KEYED_URL);
  assert.equal(beacons[0].type, 'text/plain;charset=utf-8');
  assert.equal(typeof beacons[0].json.batch_id, 'string');
  assert.deepEqual(
    beacons[0].json.metrics.map((i) => i.name),
    ['cart_items', 'signups_total'],
  );
  // Nothing left: the batching timer was cancelled and a second hide sends nothing.
  await b.advance(10000);
  b.hide();
  assert.equal(b.requests.length, 0);
  assert.equal(b.beaconCalls.length, 1);
});

test('visibilitychange to hidden also beacons; tracking resumes with fetch when shown again', async () => {
  const { b, t } = setup();
  t.track('cart_items', 1);
  b.hide();
  assert.equal(b.beaconCalls.length, 1);
  b.show();
  t.track('cart_items', 2);
  await t.flush();
  assert.equal(b.requests.length, 1);
  assert.equal(b.beaconCalls.length, 1);
});

test('batches waiting for a retry and the one in flight keep their batch_id in the beacon', async () => {
  const { b, t } = setup();
  b.responses.push('network', 'hang');
  queueGauges(t, 10); // batch A: fails, waits for retry
  await tick();
  const idA = b.requests[0].json.batch_id;
  await b.advance(2000); // retry of A hangs: in flight
  assert.equal(b.requests.length, 2);
  queueGauges(t, 13, 100); // batch B (waiting) + 3 queued items
  await tick();
  b.pagehide();
  const beacons = await b.beacons();
  const ids = beacons.map((x) => x.json.batch_id);
  assert.equal(ids[0], idA);
  assert.equal(
    beacons.reduce((n, x) => n + x.json.metrics.length, 0),
    23,
  );
  assert.equal(new Set(ids).size, ids.length);
  await b.advance(600000);
  assert.equal(b.requests.length, 2, 'nothing is retried after the beacon');
});

test('each beacon body is at most 60,000 bytes, each part with its own batch_id', async () => {
  const big = 'é€x'.repeat(3000); // 9,000 characters, 18,000 bytes in UTF-8
  const { b, t } = setup(undefined, {
    metrics: [{ n: 'blob_total', t: 'counter', l: { v: null, n: null } }],
  });
  for (let i = 0; i < 9; i++) t.increment('blob_total', 1, { v: big, n: i });
  b.pagehide();
  const beacons = await b.beacons();
  assert.ok(beacons.length >= 3, `${beacons.length} beacons`);
  for (const x of beacons) {
    assert.ok(x.size <= 60000, `beacon of ${x.size} bytes`);
    assert.equal(Buffer.byteLength(x.text), x.size);
  }
  assert.equal(new Set(beacons.map((x) => x.json.batch_id)).size, beacons.length);
  assert.deepEqual(
    beacons.flatMap((x) => x.json.metrics.map((i) => i.labels.n)),
    ['0', '1', '2', '3', '4', '5', '6', '7', '8'],
  );
});

test('normal batches are split at 60,000 bytes too', async () => {
  const big = 'x'.repeat(9000);
  const { b, t } = setup(undefined, {
    metrics: [{ n: 'blob_total', t: 'counter', l: { v: null, n: null } }],
  });
  for (let i = 0; i < 10; i++) t.increment('blob_total', 1, { v: big, n: i });
  await t.flush();
  assert.equal(b.requests.length, 2);
  for (const r of b.requests) assert.ok(Buffer.byteLength(r.body) <= 60000);
});

test('without sendBeacon, hide falls back to fetch with keepalive in the same form', async () => {
  const { b, t } = setup({ sendBeacon: false });
  t.track('cart_items', 1);
  b.pagehide();
  assert.equal(b.requests.length, 1);
  const r = b.requests[0];
  assert.equal(r.url, KEYED_URL);
  assert.equal(r.method, 'POST');
  assert.equal(r.keepalive, true);
  assert.deepEqual(r.headers, {});
  assert.equal(typeof r.body, 'string');
  assert.equal(r.json.metrics[0].name, 'cart_items');
});

test('when sendBeacon refuses (returns false), fetch keepalive sends the same body', async () => {
  const { b, t } = setup();
  b.beaconResult = false;
  t.track('cart_items', 1);
  b.pagehide();
  assert.equal(b.beaconCalls.length, 1);
  assert.equal(b.requests.length, 1);
  assert.equal(b.requests[0].keepalive, true);
  const [beacon] = await b.beacons();
  assert.equal(b.requests[0].body, beacon.text);
});
