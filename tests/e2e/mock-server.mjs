// A stand-in for the pushgate server, for working on the dashboard while the
// real server is not there (and for checking the e2e test itself):
//
//   node tests/e2e/mock-server.mjs [port]      → http://127.0.0.1:<port>/
//   PUSHGATE_E2E_MOCK=1 npm test               → the e2e test against it
//
// It serves frontend/ with the real server's security headers (CSP included)
// and implements the dashboard's API contract in memory: cookie sessions with
// refresh, keys, metric configs with validation, code generation, ingestion
// with key+secret, and /live. It is NOT the product: behaviour the dashboard
// does not see (aggregation, Pushgateway) is absent. Env:
//   MOCK_ACCESS_TTL_MS   access-token lifetime (default 15 min), to exercise the silent refresh
//   MOCK_GRAFANA_URL     grafana_url for /live (default null)

import http from 'node:http';
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const FRONTEND = path.resolve(here, '..', '..', 'frontend');

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
};
const METRIC_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED = /^(go_|process_|pushgateway_|pushgate_)|^(push_time_seconds|push_failure_time_seconds|page_views_total|page_load_seconds|js_errors_total|web_vitals_(lcp|inp|cls|fcp|ttfb)(_seconds)?|time_on_page_seconds)$/;

const sha = (s) => createHash('sha256').update(s).digest('hex');
const token = (p) => `${p}${randomBytes(18).toString('base64url')}`;

class HttpError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    Object.assign(this, { status, code, details });
  }
}
const invalid = (fields, message = 'Some fields are invalid.') => new HttpError(400, 'validation_failed', message, { fields });

export function createMockServer({ accessTtlMs = Number(process.env.MOCK_ACCESS_TTL_MS) || 15 * 60_000, grafanaUrl = process.env.MOCK_GRAFANA_URL || null } = {}) {
  const users = new Map(); // id → user (+password)
  const access = new Map(); // token → {userId, exp}
  const refresh = new Map(); // token → userId
  const keys = new Map(); // id → key (+secret hash, userId)
  const configs = new Map(); // id → config (+userId)
  const events = []; // {userId, metric, type, declared, at, accepted: bool, code, message}

  const now = () => new Date().toISOString();
  const publicUser = (u) => ({ id: u.id, email: u.email, first_name: u.first_name, last_name: u.last_name, created_at: u.created_at });
  const publicKey = (k) => ({ id: k.id, key_name: k.key_name, api_key: k.api_key, allowed_origins: k.allowed_origins, is_active: k.is_active, last_used_at: k.last_used_at, expires_at: k.expires_at, created_at: k.created_at });
  const publicConfig = (c) => { const { userId, ...rest } = c; return rest; };

  function cookies(req) {
    const out = {};
    for (const part of (req.headers.cookie || '').split(';')) {
      const i = part.indexOf('=');
      if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    }
    return out;
  }

  function issue(res, userId) {
    const a = token('at_');
    const r = token('rt_');
    access.set(a, { userId, exp: Date.now() + accessTtlMs });
    refresh.set(r, userId);
    res.setHeader('Set-Cookie', [
      `pushgate_access=${a}; Path=/; HttpOnly; SameSite=Strict; Max-Age=900`,
      `pushgate_refresh=${r}; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age=2592000`,
    ]);
    return { access_token: a, refresh_token: r, expires_in: Math.round(accessTtlMs / 1000) };
  }

  function authUser(req) {
    const c = cookies(req);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization || '');
    const t = bearer ? bearer[1] : c.pushgate_access;
    const a = t && access.get(t);
    if (!a || a.exp < Date.now() || !users.has(a.userId)) throw new HttpError(401, 'unauthorized', 'Sign in first: the session is missing or expired.');
    return users.get(a.userId);
  }

  function validateConfig(body, userId, selfId) {
    const f = {};
    if (typeof body.name !== 'string' || !body.name.trim()) f.name = 'Required.';
    const mn = body.metric_name;
    if (typeof mn !== 'string' || !mn) f.metric_name = 'Required.';
    else if (!METRIC_RE.test(mn)) f.metric_name = 'Use letters, digits, _ and : only, not starting with a digit (Prometheus format).';
    else if (RESERVED.test(mn) || /_(bucket|sum|count|created)$/.test(mn) && RESERVED.test(mn.replace(/_(bucket|sum|count|created)$/, ''))) f.metric_name = `“${mn}” is reserved.`;
    if (!['counter', 'gauge', 'histogram', 'summary'].includes(body.metric_type)) f.metric_type = 'Must be counter, gauge, histogram or summary.';
    if (body.labels != null) {
      if (typeof body.labels !== 'object' || Array.isArray(body.labels)) f.labels = 'Must be an object.';
      else for (const [k, v] of Object.entries(body.labels)) {
        if (!LABEL_RE.test(k) || k.startsWith('__') || ['le', 'quantile', 'tenant', 'instance', 'job'].includes(k)) f[`labels.${k}`] = `“${k}” is not an allowed label name.`;
        else if (v !== null && typeof v !== 'string') f[`labels.${k}`] = 'The default must be a string or null.';
      }
    }
    if (body.buckets != null) {
      if (!Array.isArray(body.buckets) || body.buckets.some((b) => typeof b !== 'number' || !Number.isFinite(b))) f.buckets = 'Must be a list of finite numbers.';
      else if (body.buckets.some((b, i) => i > 0 && b <= body.buckets[i - 1])) f.buckets = 'Buckets must be strictly increasing.';
    }
    if (body.quantiles != null) {
      if (!Array.isArray(body.quantiles) || body.quantiles.some((q) => typeof q !== 'number' || !(q > 0 && q < 1))) f.quantiles = 'Each quantile must be between 0 and 1 (exclusive).';
    }
    if (Object.keys(f).length) throw invalid(f, 'The metric config is invalid.');
    for (const c of configs.values()) {
      if (c.userId === userId && c.id !== selfId && c.metric_name === mn) {
        throw new HttpError(409, 'conflict', `You already have a metric named “${mn}”.`);
      }
    }
  }

  function configFrom(body, userId, existing) {
    const t = now();
    return {
      id: existing ? existing.id : randomUUID(), userId,
      name: body.name.trim(), metric_name: body.metric_name, metric_type: body.metric_type,
      description: body.description ?? null, help: body.help ?? null, labels: body.labels ?? {},
      buckets: body.metric_type === 'histogram' ? (body.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]) : null,
      quantiles: body.metric_type === 'summary' ? (body.quantiles ?? [0.5, 0.9, 0.99]) : null,
      auto_track: Boolean(body.auto_track), tracking_events: body.tracking_events ?? [], is_active: body.is_active ?? true,
      created_at: existing ? existing.created_at : t, updated_at: t,
    };
  }

  // The library as src/routes/tracker.rs serves it: the config marker replaced by JSON that
  // cannot close a <script>, with the short keys the library reads and only options that are off.
  async function trackerWith(origin, key, list, autoTrack, customEvents) {
    const config = { endpoint: `${origin}/api/v1/metrics`, key: key.api_key,
      metrics: list.filter((c) => c.is_active).map((c) => ({ n: c.metric_name, t: c.metric_type, l: c.labels })) };
    if (!autoTrack) config.auto_track = false;
    if (!customEvents) config.custom_events = false;
    const json = JSON.stringify(config).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
    const library = await readFile(path.join(FRONTEND, 'tracker', 'tracker.min.js'), 'utf8');
    return library.replace('/*PUSHGATE_CONFIG*/null', () => json);
  }

  function ownKey(user, id) {
    const k = keys.get(id);
    if (!k || k.userId !== user.id) throw new HttpError(404, 'not_found', 'No such API key.');
    return k;
  }
  function ownConfig(user, id) {
    const c = configs.get(id);
    if (!c || c.userId !== user.id) throw new HttpError(404, 'not_found', 'No such metric config.');
    return c;
  }

  function createKey(userId, name, origins = [], expires = null) {
    const secret = token('sk_');
    const k = {
      id: randomUUID(), userId, key_name: name, api_key: token('pk_'), secretHash: sha(secret),
      allowed_origins: origins, is_active: true, last_used_at: null, expires_at: expires, created_at: now(),
    };
    keys.set(k.id, k);
    return { key: k, secret };
  }

  function validateOrigins(origins, field = 'allowed_origins') {
    if (!Array.isArray(origins)) throw invalid({ [field]: 'Must be a list of origins.' });
    const f = {};
    origins.forEach((o, i) => {
      let ok = false;
      try { const u = new URL(o); ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o; } catch { ok = false; }
      if (!ok) f[`${field}[${i}]`] = `“${o}” is not an origin like https://example.com (no path, no trailing slash).`;
    });
    if (Object.keys(f).length) throw invalid(f, 'Some origins are invalid.');
  }

  async function routeApi(req, res, url, body) {
    const p = url.pathname.replace(/^\/api\/v1/, '');
    const m = req.method;
    let mm;
    if (p === '/health' && m === 'GET') return [200, { status: 'ok' }];
    if (p === '/health/ready' && m === 'GET') return [200, { status: 'ready', postgres: 'ok', pushgateway: 'ok' }];

    if (p === '/auth/signup' && m === 'POST') {
      const f = {};
      const email = typeof body.email === 'string' ? body.email.trim() : '';
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) f.email = 'Enter a valid email address.';
      if (typeof body.password !== 'string' || body.password.length < 8) f.password = 'Use at least 8 characters.';
      if (Object.keys(f).length) throw invalid(f);
      if ([...users.values()].some((u) => u.email.toLowerCase() === email.toLowerCase())) throw new HttpError(409, 'conflict', 'An account with this email already exists.');
      const u = { id: randomUUID(), email, password: body.password, first_name: body.first_name ?? null, last_name: body.last_name ?? null, created_at: now() };
      users.set(u.id, u);
      const { key, secret } = createKey(u.id, 'Default key');
      return [201, { user: publicUser(u), ...issue(res, u.id), api_key: { id: key.id, key_name: key.key_name, api_key: key.api_key, api_secret: secret } }];
    }
    if (p === '/auth/signin' && m === 'POST') {
      const u = [...users.values()].find((x) => x.email.toLowerCase() === String(body.email || '').toLowerCase());
      if (!u || u.password !== body.password) throw new HttpError(401, 'invalid_credentials', 'Wrong email or password.');
      return [200, { user: publicUser(u), ...issue(res, u.id) }];
    }
    if (p === '/auth/refresh' && m === 'POST') {
      const t = body.refresh_token || cookies(req).pushgate_refresh;
      const userId = t && refresh.get(t);
      if (!userId || !users.has(userId)) throw new HttpError(401, 'unauthorized', 'The refresh token is invalid or expired.');
      refresh.delete(t);
      return [200, issue(res, userId)];
    }
    if (p === '/auth/signout' && m === 'POST') {
      authUser(req);
      const c = cookies(req);
      access.delete(c.pushgate_access);
      refresh.delete(c.pushgate_refresh);
      res.setHeader('Set-Cookie', ['pushgate_access=; Path=/; HttpOnly; Max-Age=0', 'pushgate_refresh=; Path=/api/v1/auth; HttpOnly; Max-Age=0']);
      return [204, null];
    }
    if (p === '/auth/me' && m === 'GET') return [200, { user: publicUser(authUser(req)) }];
    if (p === '/auth/me' && m === 'DELETE') {
      const u = authUser(req);
      if (body.password !== u.password) throw new HttpError(401, 'invalid_credentials', 'The password is wrong.');
      users.delete(u.id);
      for (const [id, k] of keys) if (k.userId === u.id) keys.delete(id);
      for (const [id, c] of configs) if (c.userId === u.id) configs.delete(id);
      res.setHeader('Set-Cookie', ['pushgate_access=; Path=/; HttpOnly; Max-Age=0', 'pushgate_refresh=; Path=/api/v1/auth; HttpOnly; Max-Age=0']);
      return [204, null];
    }

    if (p === '/apikeys' && m === 'GET') {
      const u = authUser(req);
      return [200, { api_keys: [...keys.values()].filter((k) => k.userId === u.id).map(publicKey) }];
    }
    if (p === '/apikeys' && m === 'POST') {
      const u = authUser(req);
      if (typeof body.key_name !== 'string' || !body.key_name.trim()) throw invalid({ key_name: 'Required.' });
      if (body.allowed_origins != null) validateOrigins(body.allowed_origins);
      const { key, secret } = createKey(u.id, body.key_name.trim(), body.allowed_origins || [], body.expires_at || null);
      return [201, { ...publicKey(key), api_secret: secret }];
    }
    if ((mm = /^\/apikeys\/([^/]+)$/.exec(p))) {
      const u = authUser(req);
      const k = ownKey(u, mm[1]);
      if (m === 'PATCH') {
        if (body.key_name !== undefined && (typeof body.key_name !== 'string' || !body.key_name.trim())) throw invalid({ key_name: 'Required.' });
        if (body.allowed_origins !== undefined) validateOrigins(body.allowed_origins);
        if (body.key_name !== undefined) k.key_name = body.key_name.trim();
        if (body.allowed_origins !== undefined) k.allowed_origins = body.allowed_origins;
        if (body.is_active !== undefined) k.is_active = Boolean(body.is_active);
        return [200, publicKey(k)];
      }
      if (m === 'DELETE') { keys.delete(k.id); return [204, null]; }
    }

    if (p === '/metric-configs' && m === 'GET') {
      const u = authUser(req);
      return [200, { metric_configs: [...configs.values()].filter((c) => c.userId === u.id).map(publicConfig) }];
    }
    if (p === '/metric-configs' && m === 'POST') {
      const u = authUser(req);
      validateConfig(body, u.id, null);
      const c = configFrom(body, u.id, null);
      configs.set(c.id, c);
      return [201, publicConfig(c)];
    }
    if ((mm = /^\/metric-configs\/([^/]+)\/generate-code$/.exec(p)) && m === 'POST') {
      const u = authUser(req);
      const c = ownConfig(u, mm[1]);
      const k = ownKey(u, body.api_key_id);
      // As the server: the minified library with this one config injected, inline.
      return [200, { code: `<script>\n${await trackerWith(url.origin, k, [c], c.auto_track, true)}</script>` }];
    }
    if ((mm = /^\/metric-configs\/([^/]+)$/.exec(p))) {
      const u = authUser(req);
      const c = ownConfig(u, mm[1]);
      if (m === 'GET') return [200, publicConfig(c)];
      if (m === 'PUT') {
        validateConfig(body, u.id, c.id);
        const n = configFrom(body, u.id, c);
        configs.set(c.id, n);
        return [200, publicConfig(n)];
      }
      if (m === 'DELETE') { configs.delete(c.id); return [204, null]; }
    }
    if (p === '/code-generation' && m === 'POST') {
      const u = authUser(req);
      const k = ownKey(u, body.api_key_id);
      const on = (v) => (v === false ? 0 : 1); // absent means on, as on the server
      const trackerUrl = `${url.origin}/api/v1/tracker.js?k=${k.api_key}&a=${on(body.auto_track)}&c=${on(body.custom_events)}`;
      return [200, { snippet: `<script async src="${trackerUrl.replace(/&/g, '&amp;')}"></script>`, tracker_url: trackerUrl }];
    }

    if (p === '/metrics' && m === 'POST') {
      const k = [...keys.values()].find((x) => x.api_key === req.headers['x-api-key']);
      if (!k || !k.is_active || sha(String(req.headers['x-api-secret'] || '')) !== k.secretHash) throw new HttpError(401, 'unauthorized', 'Invalid API key or secret.');
      k.last_used_at = now();
      const items = Array.isArray(body.metrics) ? body.metrics : null;
      if (!items) throw invalid({ metrics: 'Required list.' });
      if (!items.length) throw new HttpError(400, 'empty_batch', 'The batch is empty.');
      const errors = [];
      let accepted = 0;
      items.forEach((it, index) => {
        const decl = [...configs.values()].find((c) => c.userId === k.userId && c.metric_name === it.name);
        let err = null;
        if (typeof it.name !== 'string' || !METRIC_RE.test(it.name)) err = ['invalid_name', 'Invalid metric name.'];
        else if (typeof it.value !== 'number' || !Number.isFinite(it.value)) err = ['invalid_value', 'The value must be a finite number.'];
        else if (decl && decl.metric_type !== it.type) err = ['type_mismatch', `“${it.name}” is declared as a ${decl.metric_type}, not a ${it.type}.`];
        else if (!decl && !['counter', 'gauge', 'histogram', 'summary'].includes(it.type)) err = ['invalid_type', 'The type is required for undeclared metrics.'];
        else if (it.type === 'counter' && it.value < 0) err = ['negative_increment', 'Counter increments must be >= 0.'];
        events.push({ userId: k.userId, metric: it.name, type: decl ? decl.metric_type : it.type, declared: Boolean(decl), at: Date.now(), accepted: !err, code: err && err[0], message: err && err[1] });
        if (err) errors.push({ index, name: it.name, code: err[0], message: err[1] }); else accepted += 1;
      });
      if (!accepted) throw new HttpError(422, 'nothing_accepted', 'No item was accepted.', { accepted: 0, rejected: errors.length, errors });
      return [200, { accepted, rejected: errors.length, errors }];
    }

    if (p === '/live' && m === 'GET') {
      const u = authUser(req);
      const window = 900;
      const t = Date.now();
      const mine = events.filter((e) => e.userId === u.id && e.at > t - window * 1000);
      const byName = new Map();
      for (const c of configs.values()) {
        if (c.userId === u.id) byName.set(c.metric_name, { metric_name: c.metric_name, metric_type: c.metric_type, declared: true, samples: 0, last_seen: null, series: 0, per_minute: Array(15).fill(0), rejected: 0 });
      }
      for (const e of mine) {
        let row = byName.get(e.metric);
        if (!row) {
          row = { metric_name: e.metric, metric_type: e.type || 'counter', declared: e.declared, samples: 0, last_seen: null, series: 0, per_minute: Array(15).fill(0), rejected: 0 };
          byName.set(e.metric, row);
        }
        if (e.accepted) {
          row.samples += 1;
          row.series = 1;
          row.last_seen = new Date(e.at).toISOString();
          const ago = Math.floor((t - e.at) / 60000);
          row.per_minute[14 - Math.min(14, ago)] += 1;
        } else {
          row.rejected += 1;
        }
      }
      const recent = mine.filter((e) => !e.accepted).reverse().slice(0, 50)
        .map((e) => ({ at: new Date(e.at).toISOString(), metric_name: e.metric, code: e.code, message: e.message }));
      return [200, { window_seconds: window, grafana_url: grafanaUrl, metrics: [...byName.values()], recent_rejections: recent }];
    }
    throw new HttpError(404, 'not_found', `No route ${m} ${url.pathname}.`);
  }

  async function handle(req, res) {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
    const url = new URL(req.url, `http://${req.headers.host}`);
    if (url.pathname.startsWith('/api/v1/')) {
      let body = {};
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const raw = Buffer.concat(chunks).toString('utf8');
      res.setHeader('Content-Type', 'application/json');
      try {
        if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && url.pathname !== '/api/v1/metrics'
          && !/^application\/json\b/.test(req.headers['content-type'] || '')) {
          throw new HttpError(415, 'unsupported_media_type', 'Send Content-Type: application/json.');
        }
        if (raw) {
          try { body = JSON.parse(raw); } catch { throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.'); }
        }
        const [status, payload] = await routeApi(req, res, url, body || {});
        res.statusCode = status;
        res.end(status === 204 ? undefined : JSON.stringify(payload));
      } catch (e) {
        const err = e instanceof HttpError ? e : new HttpError(500, 'internal', String(e && e.stack || e));
        res.statusCode = err.status;
        res.end(JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } }));
      }
      return;
    }
    // static files
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/') rel = '/index.html';
    const file = path.resolve(FRONTEND, `.${rel}`);
    if (!file.startsWith(FRONTEND + path.sep)) { res.statusCode = 404; res.end('not found'); return; }
    try {
      const data = await readFile(file);
      res.setHeader('Content-Type', MIME[path.extname(file)] || 'application/octet-stream');
      res.setHeader('Content-Security-Policy', CSP);
      res.setHeader('X-Frame-Options', 'DENY');
      res.setHeader('Cache-Control', 'no-cache');
      res.end(data);
    } catch {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain');
      res.end('not found');
    }
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((e) => { res.statusCode = 500; res.end(String(e)); });
  });
}

/** Start on 127.0.0.1:port (0 = any free port). Resolves {url, close()}. */
export async function startMock(port = 0, opts = {}) {
  const server = createMockServer(opts);
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await startMock(Number(process.argv[2] || 8088));
  console.log(`mock pushgate on ${url}`);
}
