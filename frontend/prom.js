// A client for the tenant-scoped Prometheus API (/prometheus/api/v1): form-encoded POSTs
// with the session cookie, one silent session refresh on a 401, and errors that say what
// to do (Prometheus unreachable, a refused query). The server adds the tenant matcher.

import { ApiError, refreshSession } from './api.js';

const BASE = '/prometheus/api/v1';

async function post(path, params) {
  const send = () =>
    fetch(BASE + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
  let res;
  try {
    res = await send();
    if (res.status === 401 && (await refreshSession())) res = await send();
  } catch {
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  if (res.ok && body && body.status === 'success') return body.data;
  const message = body && typeof body.error === 'string' ? body.error : `The query failed (HTTP ${res.status}).`;
  if (res.status === 401) throw new ApiError(401, 'unauthorized', 'Your session has ended. Please sign in again.');
  if (res.status === 503 && body && body.errorType === 'unavailable') {
    throw new ApiError(503, 'prometheus_unavailable', `Charts are unavailable: ${message}`);
  }
  throw new ApiError(res.status, body?.errorType || `http_${res.status}`, message);
}

/** An instant query at `time` (seconds): the result vector. */
export async function instant(query, time) {
  const data = await post('/query', { query, time: String(time) });
  return data.result || [];
}

/** A range query: the result matrix. */
export async function range(query, start, end, step) {
  const data = await post('/query_range', { query, start: String(start), end: String(end), step: String(step) });
  return data.result || [];
}

/** The label names the tenant's series of `metric` carry. */
export async function labelNames(metric) {
  return post('/labels', { 'match[]': metric });
}

/** The one number of an instant query that sums to one series (null when empty). */
export async function scalar(query, time) {
  const result = await instant(query, time);
  const v = result.length ? Number(result[0].value[1]) : Number.NaN;
  return Number.isFinite(v) ? v : null;
}
