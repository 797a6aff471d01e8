// The service worker: keeps the app shell (every page, script, style and icon) on the phone
// so retrowalk opens and moves between pages with no connection, and keeps the last answer
// of each API read so a page drawn offline shows what was last known.
//
// The server serves this file at /sw.js with VERSION set to a hash of every embedded asset
// and SHELL to their URLs, so each build is a new worker: the browser installs it beside the
// old one, it takes over at once, and the old build's cache is deleted.
const VERSION = '__RETROWALK_VERSION__';
const SHELL = ['/'].concat(__RETROWALK_SHELL__);
const SHELL_CACHE = `rw-shell-${VERSION}`;
// Answers of GET /api/...: per person, so they are dropped at sign-out (see below).
const API_CACHE = 'rw-api';

self.addEventListener('install', (event) => {
  // cache: 'reload' skips the HTTP cache, so a new worker never stores an old build's file.
  event.waitUntil(caches.open(SHELL_CACHE)
    .then((c) => c.addAll(SHELL.map((u) => new Request(u, { cache: 'reload' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('rw-shell-') && k !== SHELL_CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('message', (event) => {
  // Sent by the page at sign-out: another person may sign in on this phone next.
  if (event.data === 'signed-out') event.waitUntil(caches.delete(API_CACHE));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method !== 'GET') {
    if (url.pathname === '/api/logout') event.waitUntil(caches.delete(API_CACHE));
    return;
  }
  if (req.mode === 'navigate') {
    event.respondWith(page(req));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(asset(req));
  } else if (url.pathname.startsWith('/api/') && !url.pathname.startsWith('/api/export/')
    && !/event-stream/.test(req.headers.get('accept') || '')) {
    // Downloads (exports, a whole backup) are not kept: they are large and asked for online.
    event.respondWith(apiRead(req));
  }
});

// Pages: the network first (a signed-out server may redirect), the cached shell offline;
// every page path is the same single-page shell.
async function page(req) {
  try {
    return await fetch(req);
  } catch (e) {
    const shell = await caches.match('/', { cacheName: SHELL_CACHE });
    if (shell) return shell;
    throw e;
  }
}

// Assets belong to this build: the cached copy, else the network (and keep it).
async function asset(req) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(req, { ignoreSearch: true });
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) cache.put(req, res.clone());
  return res;
}

// API reads: always the network when there is one (the server's word is the truth); the
// last good answer only when the network fails, marked so the page can say it is offline.
async function apiRead(req) {
  const cache = await caches.open(API_CACHE);
  try {
    const res = await fetch(req);
    if (res.status === 200 && /json/.test(res.headers.get('content-type') || '')) {
      cache.put(req, res.clone());
    } else if (res.status === 401) {
      await caches.delete(API_CACHE);
    }
    return res;
  } catch (e) {
    const hit = await cache.match(req);
    if (!hit) throw e;
    const headers = new Headers(hit.headers);
    headers.set('X-Retrowalk-Offline', '1');
    return new Response(hit.body, { status: hit.status, headers });
  }
}
