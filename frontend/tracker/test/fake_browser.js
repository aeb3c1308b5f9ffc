'use strict';
// A small hand-made browser for the tracker tests: window, document, elements with event
// capture/bubbling, location/history, performance + PerformanceObserver, fetch, sendBeacon and
// fake timers. The library runs in a fresh vm context per browser, as it would in a page.
// Over 300 lines: one small browser whose parts call each other.
//
// PUSHGATE_TRACKER_JS=path/to/copy.js runs the same tests against another build (e.g. a minified
// copy; it must keep the config marker).

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const SOURCE_PATH = process.env.PUSHGATE_TRACKER_JS || path.join(__dirname, '..', 'tracker.js');
const MARKER = '/*PUSHGATE_CONFIG*/null';
const ORIGIN = 'https://shop.example';

function readSource() {
  return fs.readFileSync(SOURCE_PATH, 'utf8');
}

// The tracker as the server serves it: config injected in place of the marker, or unchanged.
function sourceWith(config) {
  const src = readSource();
  return config === undefined ? src : src.replace(MARKER, () => JSON.stringify(config));
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

class FakeTarget {
  constructor() {
    this.listeners = [];
  }
  addEventListener(type, fn, options) {
    const capture = options === true || !!options?.capture;
    if (this.listeners.some((l) => l.type === type && l.fn === fn && l.capture === capture)) return;
    this.listeners.push({ type, fn, capture });
  }
  removeEventListener(type, fn, options) {
    const capture = options === true || !!options?.capture;
    this.listeners = this.listeners.filter((l) => !(l.type === type && l.fn === fn && l.capture === capture));
  }
}

class FakeElement extends FakeTarget {
  constructor(tag, attrs) {
    super();
    this.tagName = tag.toUpperCase();
    this.attrs = Object.assign({}, attrs);
    this.parentNode = null;
    this.nodeType = 1;
  }
  getAttribute(name) {
    return Object.hasOwn(this.attrs, name) ? String(this.attrs[name]) : null;
  }
  setAttribute(name, value) {
    this.attrs[name] = String(value);
  }
  appendChild(child) {
    child.parentNode = this;
    return child;
  }
  get src() {
    return this.attrs.src ? new URL(this.attrs.src, `${ORIGIN}/`).href : '';
  }
}

function response(spec) {
  const status = spec.status === undefined ? 200 : spec.status;
  const headers = spec.headers || {};
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (name) => (name in headers ? String(headers[name]) : null) },
    json: () => (spec.body === undefined ? Promise.reject(new SyntaxError('no body')) : Promise.resolve(spec.body)),
  };
}

const DEFAULT_ENTRY_TYPES = ['navigation', 'paint', 'largest-contentful-paint', 'layout-shift', 'event', 'first-input'];

/**
 * createBrowser(options) -> a fake page. Options:
 *   path ('/'), visibility ('visible'), readyState ('complete'),
 *   navigation ({responseStart, loadEventEnd, startTime} or null), entryTypes (supported
 *   PerformanceObserver types; null: no PerformanceObserver at all), sendBeacon (false: absent),
 *   fetch (false: absent), script (attributes of document.currentScript), pushgateConfig.
 */
function createBrowser(options = {}) {
  const b = {
    now: 0,
    timers: new Map(),
    timerSeq: 0,
    requests: [], // every fetch: {url, method, headers, keepalive, body, json}
    beaconCalls: [], // every sendBeacon: {url, data (a string or a Blob)}
    responses: [], // scripted fetch answers, used in order; then 200 {accepted}
    beaconResult: true,
    warnings: [],
    listenerErrors: [],
    observers: [],
    buffered: {}, // entry type -> entries already recorded before observe()
    frames: [], // requestAnimationFrame callbacks waiting for the next frame
  };

  const win = new FakeTarget();
  const doc = new FakeTarget();
  const html = new FakeElement('html');
  html.parentNode = doc;
  const body = new FakeElement('body');
  html.appendChild(body);
  doc.documentElement = html;
  doc.body = body;
  doc.visibilityState = options.visibility || 'visible';
  doc.readyState = options.readyState || 'complete';
  doc.currentScript = options.script ? new FakeElement('script', options.script) : null;

  const loc = { pathname: '/', search: '', hash: '' };
  function setUrl(url) {
    const u = new URL(url, ORIGIN + loc.pathname + loc.search);
    loc.pathname = u.pathname;
    loc.search = u.search;
    loc.hash = u.hash;
    loc.href = u.href;
  }
  setUrl(options.path || '/');
  b.location = loc;

  const history = {
    pushState(_state, _title, url) {
      if (url != null) setUrl(url);
    },
    replaceState(_state, _title, url) {
      if (url != null) setUrl(url);
    },
  };

  const navigationEntry =
    options.navigation === undefined
      ? { entryType: 'navigation', startTime: 0, responseStart: 120, loadEventEnd: 900 }
      : options.navigation;
  const performance = {
    now: () => b.now,
    getEntriesByType: (type) => (type === 'navigation' && navigationEntry ? [navigationEntry] : []),
  };

  class PerformanceObserver {
    constructor(callback) {
      this.callback = callback;
      this.pending = [];
      this.connected = false;
      b.observers.push(this);
    }
    observe(opts) {
      this.options = opts;
      this.type = opts.type;
      this.connected = true;
      if (opts.buffered && b.buffered[opts.type]) {
        this.pending.push(...b.buffered[opts.type]);
        queueMicrotask(() => this.deliver());
      }
    }
    deliver() {
      if (!this.connected || !this.pending.length) return;
      const list = this.pending.splice(0);
      this.callback({ getEntries: () => list });
    }
    takeRecords() {
      return this.pending.splice(0);
    }
    disconnect() {
      this.connected = false;
      this.pending = [];
    }
  }
  PerformanceObserver.supportedEntryTypes = options.entryTypes || DEFAULT_ENTRY_TYPES;

  function fetch(url, init = {}) {
    const req = {
      url,
      method: init.method,
      headers: init.headers || {},
      keepalive: init.keepalive,
      body: init.body,
    };
    try {
      req.json = JSON.parse(init.body);
    } catch (_e) {
      req.json = null;
    }
    b.requests.push(req);
    const next = b.responses.length ? b.responses.shift() : { status: 200, body: { accepted: 1, rejected: 0, errors: [] } };
    if (next === 'throw') throw new TypeError('fetch exploded synchronously');
    if (next === 'network') return Promise.reject(new TypeError('Failed to fetch'));
    if (next === 'hang') return new Promise(() => {});
    if (next && typeof next.then === 'function') return next;
    return Promise.resolve(response(next));
  }

  const navigator = {};
  if (options.sendBeacon !== false) {
    navigator.sendBeacon = (url, data) => {
      b.beaconCalls.push({ url, data });
      return b.beaconResult;
    };
  }

  const sandbox = {
    document: doc,
    navigator,
    location: loc,
    history,
    performance,
    console: {
      warn: (...args) => b.warnings.push(args.map(String).join(' ')),
      log() {},
      error() {},
      info() {},
    },
    setTimeout: (fn, ms) => {
      const id = ++b.timerSeq;
      b.timers.set(id, { at: b.now + (Number(ms) || 0), fn });
      return id;
    },
    clearTimeout: (id) => {
      b.timers.delete(id);
    },
    requestAnimationFrame: (fn) => b.frames.push(fn),
    Blob,
    addEventListener: win.addEventListener.bind(win),
    removeEventListener: win.removeEventListener.bind(win),
  };
  if (options.entryTypes !== null) sandbox.PerformanceObserver = PerformanceObserver;
  if (options.fetch !== false) sandbox.fetch = fetch;
  if (options.pushgateConfig) sandbox.PushgateConfig = options.pushgateConfig;
  const context = vm.createContext(sandbox);
  // As in a browser, `window` is the global object itself.
  context.window = vm.runInContext('this', context);
  b.window = context.window;
  b.context = context;
  b.document = doc;
  b.history = history;
  b.win = win;

  /* ----- loading ----- */

  // config: an object to inject, or undefined to serve the file unchanged (generic script).
  b.load = (config) => {
    vm.runInContext(sourceWith(config), context, { filename: 'tracker.js' });
    return b.window.MetricsTracker;
  };
  b.loadSource = (src) => vm.runInContext(src, context, { filename: 'tracker.js' });
  b.run = (code) => vm.runInContext(code, context);

  /* ----- DOM and events ----- */

  b.el = (tag, attrs, parent) => (parent || body).appendChild(new FakeElement(tag, attrs));

  function eventPath(target) {
    const path = [];
    for (let n = target; n; n = n.parentNode) path.push(n);
    if (path[path.length - 1] === doc) path.push(win);
    return path;
  }
  function invoke(node, event, phase) {
    for (const l of node.listeners.slice()) {
      if (l.type !== event.type) continue;
      if (phase === 'capture' && !l.capture) continue;
      if (phase === 'bubble' && l.capture) continue;
      event.currentTarget = node;
      try {
        l.fn.call(node, event);
      } catch (err) {
        // A browser would report it; the tests fail on it.
        b.listenerErrors.push(err);
      }
      if (event.stopped) return;
    }
  }
  // Dispatches like the DOM: capture from window down, target, then bubbling up.
  b.dispatch = (target, type, props = {}) => {
    const event = Object.assign(
      {
        type,
        target,
        bubbles: true,
        stopped: false,
        defaultPrevented: false,
        stopPropagation() {
          this.stopped = true;
        },
        preventDefault() {
          this.defaultPrevented = true;
        },
      },
      props,
    );
    const path = eventPath(target);
    for (let i = path.length - 1; i > 0 && !event.stopped; i--) invoke(path[i], event, 'capture');
    if (!event.stopped) invoke(target, event, 'target');
    for (let i = 1; i < path.length && event.bubbles && !event.stopped; i++) invoke(path[i], event, 'bubble');
    return event;
  };
  b.click = (el) => b.dispatch(el, 'click');
  b.submit = (form) => b.dispatch(form, 'submit');
  // What a browser does when a submit button is clicked: a click, then a submit on its form.
  b.clickSubmitButton = (button) => {
    b.click(button);
    let form = button.parentNode;
    while (form && form.tagName !== 'FORM') form = form.parentNode;
    if (form) b.submit(form);
  };
  b.hide = () => {
    doc.visibilityState = 'hidden';
    b.dispatch(doc, 'visibilitychange');
  };
  b.show = () => {
    doc.visibilityState = 'visible';
    b.dispatch(doc, 'visibilitychange');
  };
  // persisted: the page goes into the back/forward cache (and may come back with pageshow).
  b.pagehide = ({ persisted = false } = {}) => b.dispatch(win, 'pagehide', { bubbles: false, persisted });
  // Leaving into the back/forward cache, as a browser does it: hidden, then pagehide.
  b.enterBfcache = () => {
    b.hide();
    b.pagehide({ persisted: true });
  };
  // Back from the cache: pageshow (persisted, timeStamp on the performance clock), then visible.
  b.restore = () => {
    b.dispatch(win, 'pageshow', { bubbles: false, persisted: true, timeStamp: b.now });
    b.show();
  };
  // Runs the animation frame callbacks that are due (those they request run at the next one).
  b.frame = () => {
    for (const fn of b.frames.splice(0)) fn(b.now);
  };
  b.navigate = (url) => b.window.history.pushState({}, '', url);
  b.popstate = (url) => {
    setUrl(url);
    b.dispatch(win, 'popstate', { bubbles: false });
  };
  b.fireLoad = () => {
    doc.readyState = 'complete';
    b.dispatch(win, 'load', { bubbles: false });
  };
  b.jsError = () => b.dispatch(win, 'error', { bubbles: false, message: 'secret detail', error: new Error('x') });
  b.rejection = () => b.dispatch(win, 'unhandledrejection', { bubbles: false, reason: 'secret detail' });

  b.listenerCount = () => {
    const nodes = [win, doc, html, body];
    return nodes.reduce((n, node) => n + node.listeners.length, 0);
  };

  /* ----- performance entries ----- */

  // Entries recorded before the library loads (what `buffered: true` replays).
  b.bufferEntries = (type, entries) => {
    b.buffered[type] = (b.buffered[type] || []).concat(entries);
  };
  // New entries: delivered to the observers at once unless queued (then only takeRecords sees them).
  b.emit = (type, entries, { queued = false } = {}) => {
    for (const o of b.observers) {
      if (!o.connected || o.type !== type) continue;
      o.pending.push(...entries);
      if (!queued) o.deliver();
    }
  };
  b.observerFor = (type) => b.observers.find((o) => o.type === type);

  /* ----- time ----- */

  // Runs the timers due within `ms`, in order, letting promises settle between them.
  b.advance = async (ms) => {
    const end = b.now + ms;
    for (;;) {
      await tick();
      let nextId = null;
      let next = null;
      for (const [id, t] of b.timers) {
        if (t.at <= end && (!next || t.at < next.at)) {
          next = t;
          nextId = id;
        }
      }
      if (!next) break;
      b.timers.delete(nextId);
      b.now = Math.max(b.now, next.at);
      next.fn();
    }
    b.now = end;
    await tick();
  };
  b.timerDelays = () => [...b.timers.values()].map((t) => t.at - b.now);

  /* ----- what was sent ----- */

  b.sentBodies = () => b.requests.map((r) => r.json);
  b.sentItems = () => b.requests.flatMap((r) => (r.json ? r.json.metrics : []));
  b.beacons = async () => {
    const out = [];
    for (const call of b.beaconCalls) {
      // What a browser makes of the body: a string goes as text/plain;charset=UTF-8.
      const blob = typeof call.data === 'string' ? new Blob([call.data], { type: 'text/plain;charset=utf-8' }) : call.data;
      const text = await blob.text();
      out.push({ url: call.url, type: blob.type, size: blob.size, text, json: JSON.parse(text) });
    }
    return out;
  };
  // Every item that left the page, by fetch or by beacon.
  b.allItems = async () => {
    const beacons = await b.beacons();
    return b.sentItems().concat(beacons.flatMap((x) => x.json.metrics));
  };

  return b;
}

function itemsNamed(items, name) {
  return items.filter((i) => i.name === name);
}

const ENDPOINT = 'http://127.0.0.1:3000/api/v1/metrics';

// A per-key config as the server injects it; auto-tracking and custom events off unless asked.
function makeConfig(overrides = {}) {
  return Object.assign(
    {
      endpoint: ENDPOINT,
      key: 'pk_abc',
      auto_track: false,
      custom_events: false,
      metrics: [
        { n: 'signups_total', t: 'counter', l: { plan: null, source: 'web' } },
        { n: 'cart_items', t: 'gauge', l: {} },
        { n: 'checkout_seconds', t: 'histogram', l: { step: 'pay' } },
        { n: 'api_latency_seconds', t: 'summary', l: null },
      ],
    },
    overrides,
  );
}

module.exports = { createBrowser, sourceWith, readSource, makeConfig, MARKER, ORIGIN, ENDPOINT, tick, itemsNamed };
