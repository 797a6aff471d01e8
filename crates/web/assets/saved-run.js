// A session in progress, remembered in this browser, so a reload, Back or a closed tab does
// not lose it: Home then offers to resume it or to log the part that was walked.
const KEY = 'rw_saved_run';
// Older than this it is not "the session you just left" any more.
const MAX_AGE_MS = 12 * 3600 * 1000;

export function saveRun(record) {
  try { localStorage.setItem(KEY, JSON.stringify({ ...record, savedAt: Date.now() })); } catch { /* private mode: not remembered */ }
}

/** The saved session of `user`, if recent. */
export function savedRun(user) {
  let r = null;
  try { r = JSON.parse(localStorage.getItem(KEY) || 'null'); } catch { r = null; }
  if (!r || r.user !== user || !(Date.now() - Number(r.savedAt) < MAX_AGE_MS)) return null;
  return r;
}

export function forgetRun() {
  try { localStorage.removeItem(KEY); } catch { /* nothing kept */ }
}

/** Where "log the session you stopped" goes: the log form, filled from what was walked. */
export function logHref(r) {
  const q = new URLSearchParams({ date: r.date, backward_s: String(Math.round(r.backward_s || 0)) });
  if (r.runId) q.set('run', String(r.runId));
  if (!r.finished) q.set('stopped', r.stopped || 'other');
  return `/log?${q}`;
}
