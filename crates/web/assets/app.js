// The app shell: who is signed in, which page the path names, the navigation, and toasts.
import { get, post, ApiError, serverReachable } from './api.js';
import { h, clear, icon } from './dom.js';
import { flush, pending } from './outbox.js';

const ROUTES = [
  [/^\/signin$/, 'auth', { public: true }],
  [/^\/signup$/, 'auth', { public: true }],
  // Opened from a reset link, perhaps on a device someone else is signed in on.
  [/^\/reset-password$/, 'reset', { public: true, anyone: true }],
  [/^\/onboarding$/, 'onboarding', { role: 'walker' }],
  [/^\/$/, 'home', {}],
  [/^\/programme$/, 'programme', { role: 'walker' }],
  [/^\/run$/, 'run', { role: 'walker', focus: true }],
  [/^\/log$/, 'log', { role: 'walker' }],
  [/^\/progress$/, 'progress', { role: 'walker' }],
  [/^\/settings$/, 'settings', {}],
  [/^\/clinician$/, 'clinician', { role: 'clinician' }],
  [/^\/clinician\/patients\/([^/]+)$/, 'patient', { role: 'clinician' }],
];

const NAV = {
  walker: [['/', 'Home', 'home'], ['/programme', 'Programme', 'calendar'], ['/progress', 'Progress', 'chart'], ['/settings', 'Settings', 'settings']],
  clinician: [['/clinician', 'Patients', 'people'], ['/settings', 'Settings', 'settings']],
};

// me: undefined until the server has been asked, then the person or null (signed out), so
// one page load asks /api/me once, redirects included.
const state = { me: undefined, cleanup: null, rendering: 0, newBuild: false };
const INVITE_KEY = 'rw_invite';

export function navigate(path, { replace = false } = {}) {
  // A new build took over: load the next page whole, so this page's old scripts never
  // mix with the new build's page modules. Never in the middle of a page (a session, a
  // half-filled form): only when the person moves on.
  if (state.newBuild) {
    if (replace) location.replace(path); else location.assign(path);
    return;
  }
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

export function toast(msg, kind = 'info') {
  const t = document.getElementById('toast');
  clear(t);
  t.append(h('div', { class: `toast toast-${kind}` }, msg));
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => clear(t), 4500);
}

export async function refreshMe() {
  try {
    state.me = await get('/api/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) state.me = null;
    else throw e;
  }
  return state.me;
}

export async function signOut() {
  try { await post('/api/logout'); } catch { /* signed out either way */ }
  // The service worker's copies of this person's API answers go with them.
  navigator.serviceWorker?.controller?.postMessage('signed-out');
  state.me = null;
  navigate('/signin');
}

function renderNav(path, focus) {
  const top = document.getElementById('topbar');
  const tabs = document.getElementById('tabs');
  const me = state.me;
  top.hidden = !me || focus;
  // Until the screening is done there is nowhere else to go, so no tabs.
  const tabsShown = Boolean(me) && !focus && !(me.role === 'walker' && !me.has_profile);
  document.body.classList.toggle('has-tabs', tabsShown);
  document.body.classList.toggle('focus', Boolean(focus));
  clear(tabs);
  if (!tabsShown) return;
  for (const [href, label, ic] of NAV[me.role] || NAV.walker) {
    const active = href === '/' ? path === '/' : path.startsWith(href);
    tabs.append(h('a', { href, 'data-link': true, class: active ? 'tab active' : 'tab', 'aria-current': active ? 'page' : null }, icon(ic), h('span', {}, label)));
  }
}

async function route() {
  const token = ++state.rendering;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(location.search);
  let match = null;
  for (const [re, page, opts] of ROUTES) {
    const m = re.exec(path);
    if (m) { match = { page, opts, params: m.slice(1) }; break; }
  }
  if (state.cleanup) {
    try { state.cleanup(); } catch { /* a page's cleanup must not block navigation */ }
    state.cleanup = null;
  }
  if (state.me === undefined) await refreshMe().catch(() => null);
  const me = state.me ?? null;
  // A clinician's QR code or link (/join?code=...): the code waits in this tab through
  // signing up or in, then fills in the form under Settings → Your clinician.
  if (path === '/join') {
    const code = (query.get('code') || '').replace(/[^A-Za-z0-9-]/g, '').slice(0, 32);
    try { if (code) sessionStorage.setItem(INVITE_KEY, code); } catch { /* not kept: typed by hand */ }
    if (!me) return navigate('/signup', { replace: true });
  }
  let pendingInvite = null;
  try { pendingInvite = sessionStorage.getItem(INVITE_KEY); } catch { pendingInvite = null; }
  if (pendingInvite && me) {
    try { sessionStorage.removeItem(INVITE_KEY); } catch { /* it goes with the tab */ }
    if (me.role === 'walker') return navigate(`/settings?invite=${encodeURIComponent(pendingInvite)}`, { replace: true });
    if (path === '/join') return navigate('/', { replace: true });
  }
  if (!match) match = { page: 'notfound', opts: {}, params: [] };
  if (!match.opts.public && !me) return navigate('/signin', { replace: true });
  if (match.opts.public && !match.opts.anyone && me) return navigate(me.role === 'clinician' ? '/clinician' : '/', { replace: true });
  if (me && match.page === 'home' && me.role === 'clinician') return navigate('/clinician', { replace: true });
  if (me && match.opts.role && match.opts.role !== me.role) {
    return navigate(me.role === 'clinician' ? '/clinician' : '/', { replace: true });
  }
  if (me && me.role === 'walker' && !me.has_profile && !['onboarding', 'settings'].includes(match.page)) {
    return navigate('/onboarding', { replace: true });
  }
  renderNav(path, match.opts.focus);
  const view = document.getElementById('view');
  view.className = `page page-${match.page}`;
  clear(view);
  const ctx = { me, params: match.params, query, navigate, toast, refreshMe, signOut, path };
  try {
    if (match.page === 'notfound') {
      view.append(h('section', { class: 'card' }, h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '/', 'data-link': true }, 'Go home'))));
      return;
    }
    const mod = await import(`./pages/${match.page}.js`);
    if (token !== state.rendering) return;
    const cleanup = await mod.render(view, ctx);
    if (token !== state.rendering) { if (typeof cleanup === 'function') cleanup(); return; }
    state.cleanup = typeof cleanup === 'function' ? cleanup : null;
    if (navigator.onLine !== false) sendQueued();
    view.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      state.me = null;
      return navigate('/signin', { replace: true });
    }
    clear(view);
    view.append(h('section', { class: 'card error-card' }, h('h1', {}, 'Something went wrong'), h('p', {}, e.message || String(e)),
      h('button', { class: 'btn', onclick: () => route() }, 'Try again')));
  }
}

/** Sends what was saved offline; says what happened and redraws Home, whose cards change. */
async function sendQueued() {
  const me = state.me;
  if (!me || !pending(me.id).length) return;
  const { sent, refused } = await flush(me.id);
  for (const [item, msg] of refused) toast(`Your ${item.what} saved offline was not accepted: ${msg}`, 'bad');
  if (!sent.length) return;
  const logs = sent.filter((i) => i.what === 'log').length;
  toast(logs ? 'Your session log saved offline has been sent.' : 'Your morning check saved offline has been sent.', 'good');
  if (location.pathname === '/') route();
}

// The page keeps room under its content for the tab bar, which grows a second row when
// large text makes the labels too wide for one.
if (typeof ResizeObserver === 'function') {
  const bar = document.getElementById('tabs');
  new ResizeObserver(() => document.body.style.setProperty('--tabs-h', `${bar.offsetHeight}px`)).observe(bar);
}

window.addEventListener('online', () => { sendQueued(); });
window.addEventListener('rw-connection', (e) => {
  document.getElementById('offline-banner').hidden = e.detail;
  if (e.detail) sendQueued();
});
// A server that went away on a LAN that stayed up fires no 'online' event: try now and then
// while something waits (each try is one request, and none while nothing waits).
setInterval(() => { if (navigator.onLine !== false || !serverReachable()) sendQueued(); }, 30000);
window.addEventListener('offline', () => toast('No connection: what you save is kept on this phone and sent when it returns.', 'warn'));

// The app shell kept on the phone, so retrowalk opens without a connection. Browsers allow
// a service worker only on https or localhost; elsewhere the app simply works online.
if ('serviceWorker' in navigator) {
  // The first worker taking over a page it did not load changes nothing that page runs;
  // a later one is a new build.
  let hadWorker = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (hadWorker) state.newBuild = true;
    hadWorker = true;
  });
  navigator.serviceWorker.register('/sw.js').catch(() => { /* online only, as before */ });
}

document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[data-link]');
  if (!a || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => { if (state.newBuild) location.reload(); else route(); });
route();
