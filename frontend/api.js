// JSON client for /api/v1 with silent session refresh.
//
// The session lives in HTTP-only cookies set by the server; this module never
// sees or stores a token. On a 401 from any call it POSTs /auth/refresh once
// (the refresh cookie goes along by itself) and retries the call; when the
// refresh fails too, the registered handler shows the sign-in page.

const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, message, details = null, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  /** {field_name: message} from a validation error, or {}. */
  get fields() {
    const f = this.details && typeof this.details === 'object' ? this.details.fields : null;
    return f && typeof f === 'object' ? f : {};
  }
}

let onSessionLost = () => {};
/** Called (once per lost session) when a 401 cannot be fixed by a refresh. */
export function setSessionLostHandler(fn) {
  onSessionLost = fn;
}

function send(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  // Every state-changing request carries a JSON body and its Content-Type:
  // the server requires it (it is also the CSRF defence), so bodiless
  // POST/DELETE calls send {}.
  if (body !== undefined || method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  return fetch(BASE + path, init);
}

async function toError(res) {
  let payload = null;
  try {
    payload = await res.json();
  } catch {
    /* not JSON: fall through */
  }
  const e = payload?.error ? payload.error : {};
  const retryAfter = Number.parseInt(res.headers.get('Retry-After') || '', 10);
  let message = typeof e.message === 'string' && e.message ? e.message : defaultMessage(res.status);
  if (res.status === 429 && Number.isFinite(retryAfter)) {
    message = `${message} (try again in ${retryAfter} s)`;
  }
  return new ApiError(
    res.status,
    e.code || `http_${res.status}`,
    message,
    e.details ?? null,
    Number.isFinite(retryAfter) ? retryAfter : null,
  );
}

function defaultMessage(status) {
  if (status === 401) return 'You are not signed in.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'Not found: it may have been deleted.';
  if (status === 413) return 'The request is too large.';
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  if (status >= 500) return `The server had a problem (HTTP ${status}). Try again in a moment.`;
  return `The request failed (HTTP ${status}).`;
}

async function parse(res) {
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'bad_response', 'The server sent an unreadable answer.');
  }
}

let refreshing = null;
/** One refresh at a time, shared by every call that hit a 401 meanwhile. */
export function refreshSession() {
  if (!refreshing) {
    refreshing = send('POST', '/auth/refresh', {})
      .then((res) => res.ok)
      .catch(() => false)
      .finally(() => {
        // Let calls that fail later try again with a fresh refresh.
        setTimeout(() => {
          refreshing = null;
        }, 0);
      });
  }
  return refreshing;
}

let lostNotified = false;
export function resetSessionLost() {
  lostNotified = false;
}

/**
 * request('POST', '/apikeys', {key_name}) → parsed JSON (null for 204).
 * Throws ApiError. Options: auth=false for sign-in/sign-up (a 401 there is a
 * wrong password, not an expired session), signal for aborting.
 */
export async function request(method, path, body, { auth = true } = {}) {
  let res;
  try {
    res = await send(method, path, body);
    if (res.status === 401 && auth) {
      const err = await toError(res.clone());
      // A wrong password (DELETE /auth/me) is an answer, not a lost session.
      if (err.code !== 'invalid_credentials') {
        if (await refreshSession()) {
          res = await send(method, path, body);
        } else {
          if (!lostNotified) {
            lostNotified = true;
            onSessionLost();
          }
          throw new ApiError(401, 'unauthorized', 'Your session has ended. Please sign in again.');
        }
      }
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const err = await toError(res);
    if (res.status === 401 && auth && err.code !== 'invalid_credentials' && !lostNotified) {
      lostNotified = true;
      onSessionLost();
    }
    throw err;
  }
  return parse(res);
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body, opts) => request('POST', path, body, opts),
  put: (path, body) => request('PUT', path, body),
  patch: (path, body) => request('PATCH', path, body),
  del: (path, body) => request('DELETE', path, body),
};

/** /auth/me without triggering the "session lost" handler (used at start-up). */
export async function currentUser() {
  try {
    const res = await send('GET', '/auth/me');
    if (res.ok) return (await parse(res)).user;
    if (res.status === 401 && (await refreshSession())) {
      const again = await send('GET', '/auth/me');
      if (again.ok) return (await parse(again)).user;
    }
    if (res.status === 401) return null;
    throw await toError(res);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }
}
