// Helpers for tracking.test.mjs: a JSON client for pushgate's API, a "customer site" on its own
// origin, and a reader of the Pushgateway's /metrics text.

import http from 'node:http';

/** Calls `/api/v1{path}`; throws with the status and body unless the answer is 2xx. */
export async function api(baseUrl, method, path, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A GET whose body comes back as sent (fetch would decompress it): {status, headers, body}. */
export function rawGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * A site on its own loopback port (so its origin differs from pushgate's). `pages` maps a path
 * prefix to HTML; the longest matching prefix wins, so `/app/` also serves `/app/orders/1`
 * (an SPA's deep links). Pages go out with `no-store`, except those under a prefix in
 * `storable`: Chromium keeps no `no-store` page in its back/forward cache. Resolves
 * {origin, close()}.
 */
export function startSite(pages, { storable = [] } = {}) {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://site').pathname;
    // Read per request: the pages are filled in once the site's origin (a key setting) is known.
    const prefixes = Object.keys(pages).sort((a, b) => b.length - a.length);
    const prefix = prefixes.find((p) => path.startsWith(p));
    if (prefix === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const cache = storable.some((p) => path.startsWith(p)) ? 'no-cache' : 'no-store';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': cache });
    res.end(pages[prefix]);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        origin: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}

/**
 * A page as a site owner would write it, with `code` (the loader snippet or generated code)
 * pasted into its head. The page's own script makes a layout shift once the content has been
 * painted (so CLS is not 0), makes clicks on #slow take 60 ms (an interaction INP can see), and
 * on an element with data-busy="ms" that long, and handles its form like an SPA (no
 * navigation). window.__ready says the shift has happened; window.__restored counts the
 * restores from the back/forward cache.
 */
export function sitePage(title, code, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
${code}
</head>
<body>
<main id="main">
<h1>${title}</h1>
<p>A plain page on another origin, with the tracking code pasted into its head.</p>
${body}
</main>
<script>
  window.__ready = false;
  document.addEventListener('submit', function (e) { e.preventDefault(); });
  var slow = document.getElementById('slow');
  if (slow) slow.addEventListener('click', function () { var t = Date.now(); while (Date.now() - t < 60) {} });
  document.addEventListener('click', function (e) {
    var ms = +(e.target.getAttribute && e.target.getAttribute('data-busy')), t = Date.now();
    while (Date.now() - t < ms) {}
  });
  window.__restored = 0;
  addEventListener('pageshow', function (e) { if (e.persisted) window.__restored += 1; });
  // Shift the content once it has been painted: LCP and a layout shift without input.
  new PerformanceObserver(function (list, obs) {
    obs.disconnect();
    setTimeout(function () {
      var banner = document.createElement('div');
      banner.style.height = '300px';
      banner.textContent = 'late banner';
      document.body.insertBefore(banner, document.body.firstChild);
      new PerformanceObserver(function (l, o) { o.disconnect(); window.__ready = true; })
        .observe({ type: 'layout-shift', buffered: true });
    }, 50);
  }).observe({ type: 'largest-contentful-paint', buffered: true });
</script>
</body>
</html>
`;
}

function unescapeLabel(v) {
  return v.replace(/\\(["\\n])/g, (_, c) => (c === 'n' ? '\n' : c));
}

/**
 * The Pushgateway's samples: [{name, labels, value}] from its text exposition format
 * (pushgate pushes every tenant's series into one group, each with a `tenant` label).
 */
export async function readPushgateway(pushgatewayUrl) {
  const res = await fetch(`${pushgatewayUrl}/metrics`);
  if (!res.ok) throw new Error(`Pushgateway /metrics answered ${res.status}`);
  const samples = [];
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue; // comments and blank lines
    const labels = {};
    for (const l of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = unescapeLabel(l[2]);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** Samples named `name` whose labels include all of `labels`. */
export function pick(samples, name, labels = {}) {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of exactly one matching sample, or undefined when there is none. */
export function sampleValue(samples, name, labels) {
  const found = pick(samples, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found.length ? found[0].value : undefined;
}

/** A histogram's bucket edges (without +Inf), sorted, and its count. */
export function histogram(samples, name, labels) {
  const edges = pick(samples, `${name}_bucket`, labels).map((s) => s.labels.le).filter((le) => le !== '+Inf');
  return {
    edges: edges.map(Number).sort((a, b) => a - b),
    count: sampleValue(samples, `${name}_count`, labels),
    sum: sampleValue(samples, `${name}_sum`, labels),
  };
}
