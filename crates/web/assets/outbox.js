// Logs and morning checks made with no connection (a treadmill in a garage, Wi-Fi that
// drops): kept in localStorage and sent, in order, when the connection returns. A log keeps
// the idempotency key its form was given, so a send whose answer was lost and is sent again
// is recognised by the server and never counted twice.
import { post, ApiError } from './api.js';

const KEY = 'rw_outbox';

function read() {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(v) ? v : [];
  } catch { return []; }
}

function write(items) {
  try {
    if (items.length) localStorage.setItem(KEY, JSON.stringify(items));
    else localStorage.removeItem(KEY);
    return true;
  } catch { return false; }
}

/** Whether an error means "no connection" (worth keeping and sending later), rather than
 * a refusal that sending again would not change. */
export function isOffline(e) {
  return e instanceof ApiError && (e.status === 0 || e.status === 502 || e.status === 503 || e.status === 504);
}

/** What `user` still has to send, oldest first. */
export function pending(user) {
  return read().filter((i) => i.user === user);
}

/** Keeps one POST to send later. `what` names it for people ("log", "morning check");
 * false when this browser cannot store it (private mode with storage full). */
export function enqueue(user, what, path, body) {
  const items = read();
  // A second tap on Save for the same form replaces, rather than repeats, the first.
  const same = body.idempotency_key
    ? items.findIndex((i) => i.user === user && i.body.idempotency_key === body.idempotency_key)
    : items.findIndex((i) => i.user === user && i.path === path && i.body.date === body.date);
  const item = { user, what, path, body, at: Date.now() };
  if (same >= 0) items[same] = item; else items.push(item);
  return write(items);
}

let running = null;

/** Sends `user`'s queue. Resolves to { sent: [...], refused: [[item, message]...] }; stops at
 * the first send that finds no connection, keeping it and the rest for the next try. One
 * flush at a time: a second call while one runs gets the first one's answer. */
export function flush(user) {
  if (!running) {
    running = send(user).finally(() => { running = null; });
  }
  return running;
}

async function send(user) {
  const sent = [];
  const refused = [];
  for (const item of pending(user)) {
    try {
      await post(item.path, item.body);
      sent.push(item);
    } catch (e) {
      if (isOffline(e) || (e instanceof ApiError && e.status === 401)) break;
      // The server read it and said no (a date out of range…): sending again would not
      // change that, so it is dropped and the person is told why.
      refused.push([item, e.message || String(e)]);
    }
    drop(item);
  }
  return { sent, refused };
}

function drop(item) {
  write(read().filter((i) => !(i.user === item.user && i.at === item.at && i.path === item.path)));
}
