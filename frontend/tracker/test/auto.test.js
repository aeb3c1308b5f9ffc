'use strict';
// Auto-tracking: page views (SPA too), path normalisation, load time, errors, web vitals,
// time on page.
// Over 300 lines: one test per auto-track rule, all sharing setup() below.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createBrowser, makeConfig, tick, itemsNamed } = require('./fake_browser');

function setup(options) {
  const b = createBrowser(options);
  const t = b.load(makeConfig({ auto_track: true }));
  return { b, t };
}
// Everything sent so far, by fetch and by beacon.
async function everything(b, t) {
  await t.flush();
  return b.allItems();
}
function viewsByPath(items) {
  const out = {};
  for (const i of itemsNamed(items, 'page_views_total')) out[i.labels.path] = (out[i.labels.path] || 0) + i.value;
  return out;
}

test('path label: ids, UUIDs and long hex/token segments become :id; query and hash go', async () => {
  const cases = [
    ['/', '/'],
    ['/about/', '/about/'],
    ['/blog/hello-world', '/blog/hello-world'],
    ['/users/123/orders/550e8400-e29b-41d4-a716-446655440000', '/users/:id/orders/:id'],
    ['/files/5f2b9c0e8d3a4b1c9e7f6a2d/raw', '/files/:id/raw'],
    ['/t/aZ3kP9qLm2XvB8nR7', '/t/:id'],
    ['/deadbeefcafe/2024', '/deadbeefcafe/:id'],
    ['/search?q=secret#results', '/search'],
    [`/${'a'.repeat(150)}`, `/${'a'.repeat(99)}`],
  ];
  for (const [url, expected] of cases) {
    const { b, t } = setup({ path: url });
    const items = await everything(b, t);
    assert.deepEqual(Object.keys(viewsByPath(items)), [expected], url);
    assert.ok(items.every((i) => !i.labels?.path || i.labels.path.length <= 100));
  }
});

test('path label: a raw pathname holding ? or # is still cut there', async () => {
  const b = createBrowser();
  b.location.pathname = '/odd/42?token=abc#x';
  const t = b.load(makeConfig({ auto_track: true }));
  assert.deepEqual(viewsByPath(await everything(b, t)), { '/odd/:id': 1 });
});

test('one page view on load, with the path label only', async () => {
  const { b, t } = setup({ path: '/pricing' });
  const views = itemsNamed(await everything(b, t), 'page_views_total');
  assert.deepEqual(views, [{ name: 'page_views_total', type: 'counter', value: 1, labels: { path: '/pricing' } }]);
});

test('SPA: pushState / replaceState / popstate count a view only when the path changes', async () => {
  const { b, t } = setup({ path: '/' });
  b.navigate('/a');
  b.navigate('/a?tab=2'); // same path
  b.navigate('/a#section'); // same path
  b.window.history.replaceState({ s: 1 }, ''); // state only
  b.window.history.replaceState({}, '', '/b');
  b.popstate('/a');
  b.navigate('/users/1');
  b.navigate('/users/2'); // another id: a new view of the same route
  const views = viewsByPath(await everything(b, t));
  assert.deepEqual(views, { '/': 1, '/a': 2, '/b': 1, '/users/:id': 2 });
});

test('SPA: history methods still work and their own errors reach the page', () => {
  const { b } = setup();
  b.navigate('/x?y=1');
  assert.equal(b.location.pathname, '/x');
  assert.equal(b.location.search, '?y=1');
  const b2 = createBrowser();
  b2.history.pushState = () => {
    throw new Error('SecurityError');
  };
  b2.load(makeConfig({ auto_track: true }));
  assert.throws(() => b2.window.history.pushState({}, '', 'https://other.example/'), /SecurityError/);
});

test('page_load_seconds after the load event, TTFB at once, on the landing path', async () => {
  const { b, t } = setup({ readyState: 'loading', path: '/p/7', navigation: { startTime: 0, responseStart: 250, loadEventEnd: 2300 } });
  await tick();
  let items = b.sentItems();
  b.fireLoad();
  await b.advance(0);
  items = await everything(b, t);
  assert.deepEqual(itemsNamed(items, 'web_vitals_ttfb_seconds'), [
    { name: 'web_vitals_ttfb_seconds', type: 'histogram', value: 0.25, labels: { path: '/p/:id' } },
  ]);
  assert.deepEqual(itemsNamed(items, 'page_load_seconds'), [
    { name: 'page_load_seconds', type: 'histogram', value: 2.3, labels: { path: '/p/:id' } },
  ]);
});

test('page already loaded: page_load_seconds is taken at once', async () => {
  const { b, t } = setup({ readyState: 'complete' });
  await b.advance(0);
  assert.equal(itemsNamed(await everything(b, t), 'page_load_seconds').length, 1);
});

test('no navigation timing: no load time, no TTFB, no error', async () => {
  const { b, t } = setup({ navigation: null });
  await b.advance(0);
  const items = await everything(b, t);
  assert.equal(itemsNamed(items, 'page_load_seconds').length, 0);
  assert.equal(itemsNamed(items, 'web_vitals_ttfb_seconds').length, 0);
  assert.deepEqual(b.warnings, []);
});

test('JS errors and unhandled rejections are counted by kind, without their text', async () => {
  const { b, t } = setup({ path: '/checkout' });
  b.jsError();
  b.rejection();
  b.rejection();
  await t.flush();
  const errors = itemsNamed(b.sentItems(), 'js_errors_total');
  assert.deepEqual(errors, [
    { name: 'js_errors_total', type: 'counter', value: 1, labels: { path: '/checkout', kind: 'error' } },
    { name: 'js_errors_total', type: 'counter', value: 2, labels: { path: '/checkout', kind: 'unhandledrejection' } },
  ]);
  assert.ok(b.requests.every((r) => !r.body.includes('secret detail')));
});

test('FCP from the paint entry, once', async () => {
  const b = createBrowser();
  b.bufferEntries('paint', [
    { name: 'first-paint', startTime: 300 },
    { name: 'first-contentful-paint', startTime: 450 },
  ]);
  const t = b.load(makeConfig({ auto_track: true }));
  await tick();
  const fcp = itemsNamed(await everything(b, t), 'web_vitals_fcp_seconds');
  assert.deepEqual(fcp, [{ name: 'web_vitals_fcp_seconds', type: 'histogram', value: 0.45, labels: { path: '/' } }]);
  const po = b.observerFor('paint');
  assert.equal(po.options.buffered, true);
});

test('LCP: the last candidate before the page is first hidden, reported once then', async () => {
  const b = createBrowser();
  b.bufferEntries('largest-contentful-paint', [{ startTime: 800 }, { startTime: 1600 }]);
  const t = b.load(makeConfig({ auto_track: true }));
  await tick();
  b.emit('largest-contentful-paint', [{ startTime: 2500 }]);
  let items = await everything(b, t);
  assert.equal(itemsNamed(items, 'web_vitals_lcp_seconds').length, 0, 'not before the page is hidden');
  await b.advance(3000);
  b.hide();
  b.emit('largest-contentful-paint', [{ startTime: 4000 }]); // after the hide: the observer has stopped
  b.show();
  b.hide();
  b.pagehide();
  items = await b.allItems();
  assert.deepEqual(itemsNamed(items, 'web_vitals_lcp_seconds'), [
    { name: 'web_vitals_lcp_seconds', type: 'histogram', value: 2.5, labels: { path: '/' } },
  ]);
});

test('LCP: entries not yet delivered are taken when the page is hidden', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig({ auto_track: true }));
  b.emit('largest-contentful-paint', [{ startTime: 1200 }]);
  b.emit('largest-contentful-paint', [{ startTime: 2600 }], { queued: true });
  await b.advance(5000); // hidden at 5 s: candidates painted before that count
  b.hide();
  const lcp = itemsNamed(await b.allItems(), 'web_vitals_lcp_seconds');
  assert.deepEqual(
    lcp.map((i) => i.value),
    [2.6],
  );
  assert.ok(t);
});

test('LCP and FCP are ignored for a page loaded in a background tab', async () => {
  const b = createBrowser({ visibility: 'hidden' });
  b.bufferEntries('paint', [{ name: 'first-contentful-paint', startTime: 9000 }]);
  b.bufferEntries('largest-contentful-paint', [{ startTime: 9100 }]);
  const t = b.load(makeConfig({ auto_track: true }));
  await tick();
  b.show();
  b.hide();
  const items = await b.allItems();
  assert.equal(itemsNamed(items, 'web_vitals_fcp_seconds').length, 0);
  assert.equal(itemsNamed(items, 'web_vitals_lcp_seconds').length, 0);
  assert.ok(t);
});

test('CLS: session windows (1 s gap, 5 s max), input-driven shifts ignored, reported once at pagehide', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig({ auto_track: true }));
  b.emit('layout-shift', [
    { startTime: 1000, value: 0.05 },
    { startTime: 1500, value: 0.05 }, // same window: 0.10
    { startTime: 1600, value: 0.3, hadRecentInput: true }, // after input: ignored
    { startTime: 4000, value: 0.02 }, // gap > 1 s: new window
    { startTime: 4500, value: 0.03 }, // 0.05
  ]);
  // Shifts every 0.9 s: a window closes after 5 s, so 6 of them (0.18) are the worst window.
  const steady = [];
  for (let s = 10000; s <= 16300; s += 900) steady.push({ startTime: s, value: 0.03 });
  b.emit('layout-shift', steady);
  assert.equal(itemsNamed(await everything(b, t), 'web_vitals_cls').length, 0, 'only when the page is left');
  b.hide();
  assert.equal(itemsNamed(await b.allItems(), 'web_vitals_cls').length, 0, 'not when it is only hidden');
  b.pagehide(); // once per page: the next one would follow a pageshow (see bfcache)
  const cls = itemsNamed(await b.allItems(), 'web_vitals_cls');
  assert.equal(cls.length, 1);
  assert.equal(cls[0].type, 'histogram');
  assert.ok(Math.abs(cls[0].value - 0.18) < 1e-9, String(cls[0].value));
  assert.deepEqual(cls[0].labels, { path: '/' });
});

test('CLS is 0 when nothing shifted, and absent where layout-shift is not supported', async () => {
  const b = createBrowser();
  b.load(makeConfig({ auto_track: true }));
  b.hide();
  b.pagehide();
  assert.deepEqual(
    itemsNamed(await b.allItems(), 'web_vitals_cls').map((i) => i.value),
    [0],
  );

  const safari = createBrowser({ entryTypes: ['navigation', 'paint', 'event'] });
  safari.load(makeConfig({ auto_track: true }));
  safari.click(safari.el('button', {}));
  safari.hide();
  safari.pagehide();
  const items = await safari.allItems();
  assert.equal(itemsNamed(items, 'web_vitals_cls').length, 0);
  assert.equal(itemsNamed(items, 'web_vitals_lcp_seconds').length, 0);
  assert.equal(itemsNamed(items, 'web_vitals_inp_seconds').length, 1, 'event timing is there');
});

test('INP: the worst interaction, from event timing entries of 16 ms and more, reported once at pagehide', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig({ auto_track: true }));
  const events = b.observerFor('event');
  assert.equal(events.options.durationThreshold, 16);
  assert.equal(events.options.buffered, true);
  assert.equal(b.observerFor('first-input'), undefined, 'event timing sees the first input too');
  b.click(b.el('button', {}));
  b.emit('event', [
    { interactionId: 7, duration: 80 },
    { interactionId: 7, duration: 120 },
    { interactionId: 0, duration: 900 }, // not an interaction (e.g. mouseover)
  ]);
  b.emit('event', [{ interactionId: 9, duration: 304 }], { queued: true });
  b.hide();
  assert.equal(itemsNamed(await b.allItems(), 'web_vitals_inp_seconds').length, 0, 'not when only hidden');
  b.pagehide();
  const inp = itemsNamed(await b.allItems(), 'web_vitals_inp_seconds');
  assert.deepEqual(inp, [{ name: 'web_vitals_inp_seconds', type: 'histogram', value: 0.304, labels: { path: '/' } }]);
  assert.ok(t);
});

test('INP: none without an interaction; 0 when the visitor interacted but no entry passed the threshold', async () => {
  const none = createBrowser();
  none.load(makeConfig({ auto_track: true }));
  none.emit('event', [{ interactionId: 0, duration: 200 }]); // a slow mouseover is no interaction
  none.hide();
  none.pagehide();
  assert.deepEqual(itemsNamed(await none.allItems(), 'web_vitals_inp_seconds'), []);

  for (const act of ['click', 'keydown']) {
    const fast = createBrowser();
    fast.load(makeConfig({ auto_track: true }));
    fast.dispatch(fast.el('button', {}), act);
    fast.pagehide();
    assert.deepEqual(
      itemsNamed(await fast.allItems(), 'web_vitals_inp_seconds').map((i) => i.value),
      [0],
      act,
    );
  }

  // A tap the page did not treat as a click still counts through its entry.
  const tap = createBrowser();
  tap.load(makeConfig({ auto_track: true }));
  tap.emit('event', [{ interactionId: 4, duration: 24 }]);
  tap.pagehide();
  assert.deepEqual(
    itemsNamed(await tap.allItems(), 'web_vitals_inp_seconds').map((i) => i.value),
    [0.024],
  );

  // No Event Timing: no INP, not a zero.
  const old = createBrowser({ entryTypes: ['navigation', 'paint', 'layout-shift'] });
  old.load(makeConfig({ auto_track: true }));
  old.click(old.el('button', {}));
  old.pagehide();
  assert.deepEqual(itemsNamed(await old.allItems(), 'web_vitals_inp_seconds'), []);
});

test('a page hidden twice (tab switch, return, leave) reports CLS and INP once, with the final values', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig({ auto_track: true }));
  b.bufferEntries('largest-contentful-paint', []);
  b.emit('largest-contentful-paint', [{ startTime: 700 }]);
  b.emit('layout-shift', [{ startTime: 500, value: 0.04 }]);
  b.click(b.el('button', {}));
  b.emit('event', [{ interactionId: 1, duration: 48 }]);
  await b.advance(2000);
  b.hide(); // another tab
  let items = await everything(b, t);
  assert.deepEqual(
    itemsNamed(items, 'web_vitals_lcp_seconds').map((i) => i.value),
    [0.7],
    'LCP is final at the first hide',
  );
  assert.deepEqual(itemsNamed(items, 'web_vitals_cls'), []);
  assert.deepEqual(itemsNamed(items, 'web_vitals_inp_seconds'), []);
  await b.advance(60000);
  b.show(); // back
  b.emit('layout-shift', [{ startTime: 62500, value: 0.2 }]);
  b.emit('event', [{ interactionId: 2, duration: 320 }]);
  await b.advance(1000);
  b.hide(); // leaving: hidden, then pagehide
  b.pagehide();
  items = await b.allItems();
  assert.deepEqual(
    itemsNamed(items, 'web_vitals_cls').map((i) => i.value),
    [0.2],
  );
  assert.deepEqual(
    itemsNamed(items, 'web_vitals_inp_seconds').map((i) => i.value),
    [0.32],
  );
  assert.deepEqual(
    itemsNamed(items, 'web_vitals_lcp_seconds').map((i) => i.value),
    [0.7],
  );
  assert.deepEqual(
    itemsNamed(items, 'page_views_total').map((i) => i.value),
    [1],
  );
});

test('bfcache: a restored page counts a view and reports vitals of its own, measured from the restore', async () => {
  const b = createBrowser({ path: '/shop', navigation: { startTime: 0, responseStart: 100, loadEventEnd: 800 } });
  b.bufferEntries('paint', [{ name: 'first-contentful-paint', startTime: 300 }]);
  b.bufferEntries('largest-contentful-paint', [{ startTime: 600 }]);
  const t = b.load(makeConfig({ auto_track: true }));
  await b.advance(0);
  b.emit('layout-shift', [{ startTime: 900, value: 0.3 }]);
  b.click(b.el('button', {}));
  b.emit('event', [{ interactionId: 1, duration: 400 }]);
  b.navigate('/shop/cart');
  await b.advance(5000);
  b.enterBfcache(); // to another site
  const before = await everything(b, t);
  assert.deepEqual(
    itemsNamed(before, 'web_vitals_cls').map((i) => i.value),
    [0.3],
  );
  assert.deepEqual(
    itemsNamed(before, 'web_vitals_inp_seconds').map((i) => i.value),
    [0.4],
  );
  // What left the page from here on, by fetch or by beacon.
  const mark = { requests: b.requests.length, beacons: b.beaconCalls.length };
  const since = async () => {
    const beacons = (await b.beacons()).slice(mark.beacons);
    return b.requests
      .slice(mark.requests)
      .flatMap((r) => r.json.metrics)
      .concat(beacons.flatMap((x) => x.json.metrics));
  };

  await b.advance(30000); // in the cache: frozen
  b.restore(); // back button, at 35 s
  await b.advance(16);
  b.frame(); // the first frame after pageshow...
  await b.advance(16);
  await t.flush();
  assert.equal(itemsNamed(await since(), 'web_vitals_fcp_seconds').length, 0, 'not before its second frame');
  b.frame(); // ...and the one after it: the restored page is painted
  b.emit('layout-shift', [{ startTime: 36000, value: 0.05 }]);
  await b.advance(4000);
  b.hide();
  b.pagehide();
  const after = await since();
  const values = (name) => itemsNamed(after, name).map((i) => [i.labels.path, i.value]);
  assert.deepEqual(values('page_views_total'), [['/shop/cart', 1]], 'the restore is a page view');
  assert.deepEqual(values('web_vitals_fcp_seconds'), [['/shop/cart', 0.032]], 'from the restore, not the old 0.3');
  assert.deepEqual(values('web_vitals_lcp_seconds'), [['/shop/cart', 0.032]], 'once, not again at the hide');
  assert.deepEqual(values('web_vitals_cls'), [['/shop/cart', 0.05]], 'a fresh window, not the old 0.3');
  assert.deepEqual(values('web_vitals_inp_seconds'), [], 'no interaction since the restore');
  assert.deepEqual(values('web_vitals_ttfb_seconds'), [], 'no new response');
  assert.deepEqual(values('page_load_seconds'), [], 'no new load');
  assert.deepEqual(
    values('time_on_page_seconds').map(([, v]) => v),
    [4.032],
  );
});

test('bfcache: a pageshow that is not a restore (the first load) changes nothing', async () => {
  const { b, t } = setup();
  b.dispatch(b.win, 'pageshow', { bubbles: false, persisted: false, timeStamp: 0 });
  b.frame();
  b.frame();
  b.pagehide();
  const items = await everything(b, t);
  assert.deepEqual(
    itemsNamed(items, 'page_views_total').map((i) => i.value),
    [1],
  );
  assert.deepEqual(itemsNamed(items, 'web_vitals_fcp_seconds'), []);
  assert.deepEqual(b.frames, []);
});

test('time on page: visible time per view, reported when hidden or on route change, once', async () => {
  const { b, t } = setup({ path: '/' });
  await b.advance(12000);
  b.navigate('/next');
  await b.advance(3000);
  b.hide();
  await b.advance(60000); // hidden time does not count
  b.show();
  await b.advance(5000);
  b.hide();
  b.pagehide();
  const items = await b.allItems();
  const top = itemsNamed(items, 'time_on_page_seconds').map((i) => [i.labels.path, i.value]);
  assert.deepEqual(top, [
    ['/', 12],
    ['/next', 3],
  ]);
  assert.ok(t);
});

test('time on page: a page opened in the background counts from when it is shown', async () => {
  const b = createBrowser({ visibility: 'hidden' });
  b.load(makeConfig({ auto_track: true }));
  await b.advance(10000);
  b.show();
  await b.advance(4000);
  b.hide();
  const top = itemsNamed(await b.allItems(), 'time_on_page_seconds');
  assert.deepEqual(
    top.map((i) => i.value),
    [4],
  );
});

test('auto_track off: no page views, no vitals, history untouched', async () => {
  const b = createBrowser();
  const pushState = b.history.pushState;
  const t = b.load(makeConfig({ auto_track: false }));
  assert.equal(b.window.history.pushState, pushState);
  assert.equal(b.observers.length, 0);
  b.jsError();
  b.navigate('/x');
  b.hide();
  await t.flush();
  assert.deepEqual(await b.allItems(), []);
});

test('every item of an auto-tracked session has a built-in name, type and bounded labels', async () => {
  const b = createBrowser({ path: '/shop/items/98765' });
  b.bufferEntries('paint', [{ name: 'first-contentful-paint', startTime: 500 }]);
  b.bufferEntries('largest-contentful-paint', [{ startTime: 900 }]);
  const t = b.load(makeConfig({ auto_track: true }));
  await b.advance(0);
  b.emit('layout-shift', [{ startTime: 100, value: 0.01 }]);
  b.emit('event', [{ interactionId: 1, duration: 64 }]);
  b.jsError();
  await b.advance(7000);
  b.hide();
  b.pagehide();
  const items = await b.allItems();
  const types = {
    page_views_total: 'counter',
    js_errors_total: 'counter',
    page_load_seconds: 'histogram',
    time_on_page_seconds: 'histogram',
    web_vitals_lcp_seconds: 'histogram',
    web_vitals_inp_seconds: 'histogram',
    web_vitals_cls: 'histogram',
    web_vitals_fcp_seconds: 'histogram',
    web_vitals_ttfb_seconds: 'histogram',
  };
  assert.deepEqual([...new Set(items.map((i) => i.name))].sort(), Object.keys(types).sort());
  for (const i of items) {
    assert.equal(i.type, types[i.name], i.name);
    assert.ok(Number.isFinite(i.value) && i.value >= 0);
    assert.equal(i.labels.path, '/shop/items/:id');
    const allowed = i.name === 'js_errors_total' ? ['kind', 'path'] : ['path'];
    assert.deepEqual(Object.keys(i.labels).sort(), allowed);
  }
  assert.ok(t);
});
