/*
 * pushgate browser tracker (SPEC §6). Readable source: the server serves tracker.min.js, made
 * from this file by minify.mjs (`npm run minify`; commit both, CI checks they match).
 * Over 300 lines: one file, served as one script (gzip ≤ 3,000 B).
 *
 * Served in three forms:
 *  - /api/v1/tracker.js?k=… and per-config generated code: the server replaces the config
 *    marker on the last line (a PUSHGATE_CONFIG comment followed by null) with a JSON object;
 *  - /api/v1/client/script.js: unchanged, so the config is null and comes from
 *    window.PushgateConfig or from the data-* attributes of this <script> tag.
 * The marker must occur exactly once in this file: comments never spell it out.
 *
 * House rules: never throw into the host page; no cookies, no storage, no visitor ids.
 * ES5 on purpose: the copy served is this code minified, not transpiled, and old browsers
 * simply get fewer metrics. Every byte counts: the served copy must stay under 3 KB gzipped.
 */
(function (root, injected) {
  // A second copy on the same page (two snippets, snippet + generated code) is a no-op:
  // nothing is counted twice and no listener is added twice.
  if (!root || (root.MetricsTracker || {}).__pushgate) return;

  var doc = root.document || {};
  var nav = root.navigator || {};
  var loc = root.location || {};
  var perf = root.performance || {};
  // currentScript is only set while this script first runs: read it now.
  var script = doc.currentScript;

  var BATCH_ITEMS = 10; // send as soon as this many items are queued...
  var BATCH_DELAY = 5000; // ...or this long after the first of them
  var MAX_BATCHES = 50; // 500 items kept while the server is away; the oldest go first
  var MAX_BYTES = 60000; // per beacon / keepalive body: browsers share a 64 KiB budget
  var MAX_TRIES = 6; // attempts per batch, 1 s, 2 s, 4 s … apart (plus jitter)
  var H = 'histogram';

  var url; // where every send goes: the endpoint with the key, see the start at the end

  /* ---------- small helpers ---------- */

  var warned = {};
  function warn(msg) {
    // Once per message: a loop calling track() with a typo must not flood the console.
    if (warned[msg]) return;
    warned[msg] = 1;
    try { root.console.warn('[pushgate] ' + msg); } catch (e) { /* no console */ }
  }
  function noop() {}
  // Wraps every entry point and handler: the host page never sees our exceptions.
  function safe(fn) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { warn(e); }
    };
  }
  function each(list, fn) {
    for (var i = 0; list && i < list.length; i++) fn(list[i], i);
  }
  function on(target, type, fn, capture) {
    try { target.addEventListener(type, safe(fn), capture); } catch (e) { /* no such target */ }
  }
  function later(fn, ms) { return root.setTimeout(safe(fn), ms); }
  function now() { return perf.now(); } // (without it autoTrack() stops: fewer metrics, no harm)
  function isHidden() { return doc.visibilityState == 'hidden'; }

  /* ---------- configuration ---------- */

  var conf; // the injected config, else window.PushgateConfig (see the start at the end)
  // An option ('key', 'endpoint', 'auto-track' …) from conf, else (no conf at all) from a
  // data-* attribute of this script's tag.
  function opt(name) {
    return conf ? conf[name.replace('-', '_')] : script && script.getAttribute('data-' + name);
  }
  // Config booleans and data-* strings alike (false becomes 'false'); absent means on.
  function flag(v) { return !/^(0|false)$/.test(v); }

  /* ---------- metric registry ---------- */

  // Built-in auto-track metrics (SPEC §6): fixed names and types, buckets are the server's.
  // The first two are counters, the others histograms; all carry `path`, errors also `kind`.
  var BUILTINS = ('page_views_total js_errors_total page_load_seconds time_on_page_seconds ' +
    'web_vitals_lcp_seconds web_vitals_inp_seconds web_vitals_cls web_vitals_fcp_seconds ' +
    'web_vitals_ttfb_seconds').split(' ');
  var known = Object.create(null); // name -> {t: type, l: {label: default or null}}

  function register(metrics) {
    each(BUILTINS, function (name, i) {
      known[name] = { t: i < 2 ? 'counter' : H, l: i == 1 ? { path: null, kind: null } : { path: null } };
    });
    each(metrics, function (m) {
      // {n: name, t: type, l: labels}: short keys, as every byte of the config is sent too,
      // and the shape of `known` entries.
      if (m && !known[m.n]) known[m.n] = m;
    });
  }

  // Only declared label names go out (the server refuses others); defaults fill the gaps.
  function labelsFor(d, given) {
    var out, names = d.l || {}, k, v;
    given = given || {}; // (a string or number just has no declared keys)
    for (k in given) {
      if (!(k in names)) warn('undeclared label ' + k);
    }
    for (k in names) {
      v = given[k] != null ? given[k] : names[k];
      if (v != null) (out = out || {})[k] = '' + v;
    }
    return out;
  }

  // how: undefined for track() (its meaning follows the type), 'inc', 'dec' or 'obs'.
  function put(name, value, labels, how) {
    var d = known[name], t = d && d.t, item, key;
    value = +value;
    if (!d) return warn('unknown metric ' + name); // the server refuses undeclared ones from browsers
    // track() fits every type; the other methods only some: counter inc, gauge inc or dec,
    // histogram or summary obs.
    if (how && !/^(counter i|gauge [id]|histogram o|summary o)/.test(t + ' ' + how)) {
      return warn(t + ' ' + how + ': ' + name);
    }
    if (!isFinite(value) || (t == 'counter' && value < 0)) return warn('bad value ' + name);
    item = { name: name, type: t, value: value };
    if (t == 'gauge') item.op = how || 'set';
    labels = labelsFor(d, labels);
    if (labels) item.labels = labels;
    // Repeated increments of one counter series that are queued together merge.
    if (t == 'counter') {
      key = name + JSON.stringify(labels);
      if (sums[key]) return sums[key].value += value;
      sums[key] = item;
    }
    queue.push(item);
    if (queue.length >= BATCH_ITEMS) send();
    else if (!batchTimer) batchTimer = later(send, BATCH_DELAY);
  }

  /* ---------- queue and transport ---------- */

  var queue = []; // items not yet in a batch (fewer than BATCH_ITEMS)
  var sums = {}; // counter items of `queue` by name + labels: repeated increments merge
  var batches = []; // {id, i: items, n: tries}: formed, waiting to be (re)sent, oldest first
  var busy; // the batch whose fetch is in flight
  var batchTimer, retryTimer;
  var waiters = []; // flush() promises waiting for the sender to go idle

  // Batch ids only need to be unique per key for 10 minutes: the time in ms + ~52 random bits.
  function uid() { return Date.now().toString(36) + Math.random().toString(36).slice(2); }
  // Splits items into batches of at most `max` items and MAX_BYTES of body, each with its own id.
  function pack(items, max) {
    var out = [], b, size;
    each(items, function (item) {
      // UTF-8 size, erring high: any UTF-16 unit past ASCII (and DEL) counts 3 bytes. (JSON
      // has no raw control characters: it escapes them.)
      var n = JSON.stringify(item).replace(/[^ -~]/g, '...').length + 1;
      if (!b || b.i.length >= max || size + n > MAX_BYTES) {
        out.push(b = { id: uid(), i: [], n: 0 });
        size = 64; // {"batch_id":"…","metrics":[]}
      }
      b.i.push(item);
      size += n;
    });
    return out;
  }
  // Everything queued, as batches (formed ones first); the queue starts afresh.
  function take(max) {
    var all = batches.concat(pack(queue, max));
    queue = [];
    sums = {};
    root.clearTimeout(batchTimer);
    batchTimer = 0;
    return all;
  }
  function body(b) { return JSON.stringify({ batch_id: b.id, metrics: b.i }); }

  function send() {
    batches = take(BATCH_ITEMS);
    // Bounded memory while the server is away: the oldest batches go first.
    if (batches.length > MAX_BATCHES) warn('queue full');
    batches.splice(0, batches.length - MAX_BATCHES);
    next();
  }

  // One request at a time, oldest batch first; a batch keeps its id on every retry so the
  // server can ignore a batch it already applied (when only its answer was lost).
  function next() {
    // A rejection (a network error) has no status: done() retries it like a 5xx.
    var b = batches[0], f = function (r) { done(b, r); };
    if (!b || busy || retryTimer) return idle();
    busy = b;
    try {
      post(b, false).then(f, f);
    } catch (e) { f(); }
  }

  var done = safe(function (b, r) {
    var status = r && r.status, i = batches.indexOf(b); // -1: meanwhile beaconed or dropped
    // Delivered, or refused for good (4xx): a retry would only be refused again.
    var settled = status && status != 429 && status < 500;
    busy = 0;
    if (!settled && i >= 0 && ++b.n < MAX_TRIES) {
      // 1 s, 2 s, 4 s … 16 s, plus up to 50 % jitter so many pages do not retry in step.
      retryTimer = later(function () { retryTimer = 0; next(); },
        (500 << b.n) * (1 + Math.random() / 2));
      i = -1; // it stays
    } else if (!settled && i >= 0) warn('batch dropped');
    if (i >= 0) batches.splice(i, 1);
    next();
    // The server says why items were refused: tell the site's developer. (A body that cannot
    // be read is only a warning: done() is safe.)
    if (settled) {
      r.json().then(safe(function (j) {
        if (j.error || j.rejected) warn(JSON.stringify(j.error || j.errors));
      }), noop);
    }
  });

  function idle() {
    if (busy || (batches.length && !retryTimer)) return;
    each(waiters.splice(0), function (resolve) { resolve(); });
  }

  // Sends what is queued now (an explicit flush does not wait out a backoff); the promise
  // settles when the sender is idle: delivered, refused, or waiting to retry.
  var sendNow = safe(function () {
    root.clearTimeout(retryTimer);
    retryTimer = 0;
    send();
  });
  function flush() {
    sendNow();
    return root.Promise && new root.Promise(function (resolve) { waiters.push(resolve); idle(); });
  }

  // Page hidden or going away: fetches may be cancelled, so hand everything to the browser.
  // Formed batches keep their ids: if an in-flight fetch arrives too, the server dedupes.
  // e: the pagehide event (the page is being left), else undefined (only hidden).
  function hidden(e) {
    onHide(e);
    each(take(1e9), beacon);
    batches = [];
    root.clearTimeout(retryTimer);
    retryTimer = 0;
    idle();
  }

  // One form for every send, the only one sendBeacon can make (it cannot set headers): the
  // key in the URL, the JSON as a string body, which browsers send as text/plain;charset=UTF-8.
  // A "simple" CORS request: no preflight round trip, which a closing page could not wait for.
  function post(b, keepalive) {
    return root.fetch(url, { method: 'POST', body: body(b), keepalive: keepalive });
  }
  function beacon(b) {
    try {
      if (nav.sendBeacon(url, body(b))) return;
    } catch (e) { /* no sendBeacon */ }
    try { post(b, true).then(noop, noop); } catch (e) { /* nothing left to try */ }
  }

  /* ---------- auto-tracking ---------- */

  var onHide = noop, onShow = noop; // set by autoTrack()

  // The `path` label must stay bounded: id-like segments (numbers, UUIDs, long hex, long
  // letter+digit tokens) become :id; no query, no hash; at most 100 characters.
  var ID = /^(\d+|(?=.*\d)([\da-f-]{12,}|(?=.*[a-z])\w{16,}))$/i;
  function here() {
    return (loc.pathname || '').replace(/[?#].*/, '').replace(/[^/]+/g, function (s) {
      return ID.test(s) ? ':id' : s;
    }).slice(0, 100) || '/';
  }
  function navEntry() {
    return perf.getEntriesByType && perf.getEntriesByType('navigation')[0];
  }

  // One PerformanceObserver per entry type; an unsupported type yields nothing (not zeros).
  function observe(type, fn) {
    try {
      var P = root.PerformanceObserver, o;
      if (P.supportedEntryTypes.indexOf(type) < 0) return; // (a browser without the list: none)
      o = new P(safe(function (list) { each(list.getEntries(), fn); }));
      o.observe({ type: type, buffered: true, durationThreshold: 16 });
      o.f = fn;
      return o;
    } catch (e) { /* no PerformanceObserver */ }
  }
  // Takes what the observer has not delivered yet (the value is final now) and, with `end`,
  // stops it.
  function stop(o, end) {
    try {
      each(o.takeRecords(), o.f);
      if (end) o.disconnect();
    } catch (e) { /* was never started */ }
  }

  function autoTrack() {
    // Load-time metrics and web vitals keep the path the page was loaded (or restored) on.
    var landing;
    var lastPath = loc.pathname;
    var hiddenAt = isHidden() ? 0 : Infinity; // first hidden (perf clock): later paints don't count
    var entry = navEntry();

    // Page views and time on page: one "view" per load, SPA route change or bfcache restore.
    var viewPath, visibleMs, visibleSince;
    function view() {
      viewPath = { path: here() };
      visibleMs = 0;
      visibleSince = isHidden() ? null : now();
      put('page_views_total', 1, viewPath);
    }
    function endView() {
      if (visibleSince != null) visibleMs += now() - visibleSince;
      visibleSince = null;
      if (viewPath && visibleMs > 0) {
        put('time_on_page_seconds', visibleMs / 1000, viewPath);
        viewPath = 0;
      }
    }
    var routed = safe(function () {
      if (loc.pathname == lastPath) return; // query, hash or state change only
      lastPath = loc.pathname;
      endView();
      view();
    });
    var hist = root.history;
    each(['pushState', 'replaceState'], function (m) {
      var orig = hist && hist[m];
      if (!orig) return;
      hist[m] = function () {
        var r = orig.apply(this, arguments); // the page's own errors stay the page's
        routed();
        return r;
      };
    });
    on(root, 'popstate', routed);

    // JS errors: counted by kind, never with their text.
    each(['error', 'unhandledrejection'], function (kind) {
      on(root, kind, function () { put('js_errors_total', 1, { path: here(), kind: kind }); });
    });

    // A vital in ms, sent in seconds, with the landing path.
    function vital(name, ms) { put(name, ms / 1000, landing); }
    fresh();

    // Navigation timing: TTFB is known now, the load time after the load event.
    if (entry && entry.responseStart) vital('web_vitals_ttfb_seconds', entry.responseStart);
    function loaded() {
      later(function () { // loadEventEnd is set only once the load handlers have run
        var e = navEntry();
        if (e && e.loadEventEnd) vital('page_load_seconds', e.loadEventEnd); // from startTime, i.e. 0
      }, 0);
    }
    if (doc.readyState == 'complete') loaded(); else on(root, 'load', loaded);

    // FCP
    observe('paint', function (e) {
      if (e.name == 'first-contentful-paint' && e.startTime < hiddenAt) vital('web_vitals_fcp_seconds', e.startTime);
    });

    // LCP: the last candidate before the first hide. (Browsers stop making candidates at the
    // first input.)
    var lcp = 0;
    var lcpObs = observe('largest-contentful-paint', function (e) {
      if (e.startTime < hiddenAt) lcp = e.startTime;
    });

    // CLS as web-vitals computes it: shifts without recent input, grouped in session windows
    // (gaps < 1 s, window < 5 s); the worst window counts.
    var cls, session, first, last;
    var clsObs = observe('layout-shift', function (e) {
      if (e.hadRecentInput) return;
      if (session && e.startTime - last < 1000 && e.startTime - first < 5000) session += e.value;
      else { session = e.value; first = e.startTime; }
      last = e.startTime;
      if (session > cls) cls = session;
    });

    // INP: the worst interaction (web-vitals' p98 differs only past 50 interactions on one
    // page), from event timing entries of 16 ms and more (the least the API allows). A click
    // or key press makes it at least 0, so that a page whose interactions were all faster
    // still has an INP; null: no interaction, no INP.
    var inp;
    var inpObs = observe('event', function (e) {
      if (e.interactionId && e.duration > inp) inp = e.duration;
    });
    each(['keydown', 'click'], function (type) {
      on(root, type, function () { inp = inp || 0; }, true);
    });

    // A new page, loaded or restored from the back/forward cache: its own path, fresh CLS and
    // INP.
    function fresh() {
      cls = session = 0;
      inp = null;
      landing = { path: here() };
    }

    // e: the pagehide event when the page is left (or goes into the back/forward cache).
    onHide = safe(function (e) {
      if (hiddenAt == Infinity) hiddenAt = now();
      // LCP is final when the page is first hidden: reported once, then.
      stop(lcpObs, 1);
      if (lcp) vital('web_vitals_lcp_seconds', lcp);
      lcp = 0;
      // CLS and INP can still grow while the page is shown again: a page hidden, shown and
      // then left reports them once, at pagehide, with their final values. (A browser that
      // discards a hidden tab without pagehide loses them; a report at every hide would
      // count them twice, and a histogram cannot take an observation back.)
      if (e) {
        stop(clsObs);
        stop(inpObs);
        if (clsObs) put('web_vitals_cls', cls, landing);
        if (inpObs && inp != null) vital('web_vitals_inp_seconds', inp);
      }
      endView();
    });
    onShow = function () { // a page opened in the background starts counting when shown
      if (viewPath && visibleSince == null) visibleSince = now();
    };

    // Back/forward cache: the restored page is a new page view with vitals of its own. FCP
    // and LCP are the time from pageshow to the second frame after it (the first one painted),
    // as web-vitals measures them; CLS and INP start afresh; TTFB and the load time have no new
    // value.
    on(root, 'pageshow', function (e) {
      if (!e.persisted) return;
      fresh();
      view();
      root.requestAnimationFrame(function () {
        root.requestAnimationFrame(safe(function () {
          var v = now() - e.timeStamp;
          vital('web_vitals_fcp_seconds', v);
          vital('web_vitals_lcp_seconds', v);
        }));
      });
    });
    view();
  }

  /* ---------- custom events ---------- */

  function customEvents() {
    // Delegated listeners; capture, so a page's stopPropagation() does not hide clicks. The
    // nearest element with data-track counts: a click on anything but a form, a submit of a
    // form (a submit's target is the form), so a tracked form never counts its button's click.
    each(['click', 'submit'], function (type) {
      on(doc, type, function (e) {
        for (var el = e.target, name, v; el && el.getAttribute; el = el.parentNode) {
          if ((name = el.getAttribute('data-track'))) {
            v = parseFloat(el.getAttribute('data-value'));
            if (/^form$/i.test(el.tagName) == (type == 'submit')) put(name, isFinite(v) ? v : 1);
            return;
          }
        }
      }, true);
    });
  }

  /* ---------- public API and start ---------- */

  // track(name, value, labels); increment(name, by, labels); decrement(...); observe(...).
  function method(how) {
    return safe(function (name, value, labels) {
      put(name, value == null && how != 'obs' ? 1 : value, labels, how);
    });
  }

  try {
    conf = injected || root.PushgateConfig;
    if (!opt('key')) return warn('no key');
    // Every send carries the public key in the URL (see post()). The endpoint defaults to
    // the server this script came from: …/api/v1/client/script.js → …/api/v1/metrics
    url = (opt('endpoint') || (script && script.src || '').replace(/client\/.*/, 'metrics')) + '?k=' + encodeURIComponent(opt('key'));
    register(conf && conf.metrics);
    root.MetricsTracker = {
      __pushgate: 1,
      track: method(),
      increment: method('inc'),
      decrement: method('dec'),
      observe: method('obs'),
      flush: flush
    };
    on(doc, 'visibilitychange', function () { if (isHidden()) hidden(); else onShow(); });
    on(root, 'pagehide', hidden);
    if (flag(opt('custom-events'))) customEvents();
    if (flag(opt('auto-track'))) autoTrack();
  } catch (e) {
    warn(e);
  }
})(this, /*PUSHGATE_CONFIG*/null); // `this`: the window (a classic script's global object)
