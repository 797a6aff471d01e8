// fetch() with the app's conventions: JSON both ways, the CSRF header on every mutating
// call, and errors carrying the server's sentence so pages can show it as is.

export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

function cookie(name) {
  const m = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith(`${name}=`));
  return m ? decodeURIComponent(m.slice(name.length + 1)) : '';
}

let csrfToken = '';

// Whether the server answered the last call itself: false when a call found no connection
// or was answered by the service worker from its copy (header X-Retrowalk-Offline). The
// shell listens for 'rw-connection' to say so and to send what waits in the outbox.
let reachable = true;

function connection(ok) {
  if (ok === reachable) return;
  reachable = ok;
  window.dispatchEvent(new CustomEvent('rw-connection', { detail: ok }));
}

export function serverReachable() {
  return reachable;
}

async function ensureCsrf() {
  const c = cookie('rw_csrf');
  if (c) return c;
  if (!csrfToken) {
    const r = await fetch('/api/csrf', { credentials: 'same-origin' });
    if (r.ok) {
      const j = await r.json().catch(() => ({}));
      csrfToken = j.token || '';
    }
  }
  return cookie('rw_csrf') || csrfToken;
}

export async function api(method, path, body, retried = false) {
  const headers = { Accept: 'application/json' };
  const opts = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-CSRF-Token'] = await ensureCsrf();
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch {
    connection(false);
    throw new ApiError(0, 'Could not reach the retrowalk server. Check the connection and try again.');
  }
  connection(res.headers.get('X-Retrowalk-Offline') !== '1');
  if (res.status === 403 && method !== 'GET' && !retried) {
    // A stale CSRF cookie (e.g. after sign-out): fetch a fresh one once and retry.
    const j = await res.clone().json().catch(() => ({}));
    if (/csrf/i.test(j.error || '')) {
      csrfToken = '';
      document.cookie = 'rw_csrf=; Max-Age=0; Path=/';
      return api(method, path, body, true);
    }
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const msg = (data && data.error) || defaultMessage(res.status);
    throw new ApiError(res.status, msg, data && data.field);
  }
  return data;
}

function defaultMessage(status) {
  switch (status) {
    case 401: return 'Please sign in.';
    case 403: return 'You are not allowed to do that.';
    case 404: return 'Not found.';
    case 409: return 'Someone else changed this at the same time.';
    case 429: return 'Too many attempts; wait a few minutes and try again.';
    default: return `The server could not do that (error ${status}).`;
  }
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b ?? {});
export const put = (p, b) => api('PUT', p, b);

// Sends one file as the raw request body. Resolves to the JSON answer; an error answer
// throws ApiError with the server's sentence and, as `data`, the whole answer (per-file
// results).
export async function sendFile(path, file) {
  return send(path, file, 'application/octet-stream');
}

// Sends several files in one multipart request, so the server sees them all at once (an
// import folds the walks in date order across files, not in the order they were chosen).
export async function sendFiles(path, files) {
  const form = new FormData();
  for (const f of files) form.append('file', f, f.name);
  // No Content-Type of our own: the browser writes the multipart boundary.
  return send(path, form, null);
}

async function send(path, body, contentType) {
  const headers = { Accept: 'application/json', 'X-CSRF-Token': await ensureCsrf() };
  if (contentType) headers['Content-Type'] = contentType;
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body });
  } catch {
    throw new ApiError(0, 'Could not reach the retrowalk server. Check the connection and try again.');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new ApiError(res.status, (data && data.error) || defaultMessage(res.status), data && data.field);
    err.data = data;
    throw err;
  }
  return data;
}
