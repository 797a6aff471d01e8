// The installable app: a manifest with real icons, a service worker that keeps the app shell
// so retrowalk opens with no connection, and logs made offline that are sent once when the
// connection returns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, onboard } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(buf) {
  assert.equal(buf.subarray(1, 4).toString('latin1'), 'PNG');
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

/** Signs a walker up, lands on Home, and waits until the service worker controls the page
 * and has seen Home's API reads (a reload under the worker). */
async function walkerUnderWorker(name) {
  const page = await newPage(browser);
  await signUp(page, server.url, { name });
  await onboard(page, { units: 'kmh' });
  await page.click('#to-home');
  await page.waitForSelector('#next-session');
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null && navigator.serviceWorker?.controller !== undefined);
  await page.reload();
  await page.waitForSelector('#next-session');
  return page;
}

test('the manifest names the app and its icons (real PNGs of their stated sizes), and Chromium finds the app installable', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/signin`);
  const href = await page.getAttribute('link[rel="manifest"]', 'href');
  const res = await page.request.get(new URL(href, server.url).href);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /application\/manifest\+json/);
  const m = await res.json();
  assert.equal(m.name, 'retrowalk');
  assert.equal(m.start_url, '/');
  assert.equal(m.display, 'standalone');
  const pngs = m.icons.filter((i) => i.type === 'image/png');
  assert.ok(pngs.some((i) => i.sizes === '192x192'), 'a 192 px icon');
  assert.ok(pngs.some((i) => i.sizes === '512x512' && i.purpose === 'any'), 'a 512 px icon');
  assert.ok(pngs.some((i) => i.sizes === '512x512' && i.purpose === 'maskable'), 'a maskable icon');
  for (const icon of pngs) {
    const r = await page.request.get(new URL(icon.src, server.url).href);
    assert.equal(r.status(), 200, icon.src);
    assert.equal(r.headers()['content-type'], 'image/png');
    const [w, h] = pngSize(await r.body());
    assert.equal(`${w}x${h}`, icon.sizes, icon.src);
  }
  // Chromium's own verdict, once the worker controls the page: the manifest parses
  // cleanly and nothing stops installing but the test's private (incognito) profile.
  await page.waitForFunction(() => Boolean(navigator.serviceWorker?.controller));
  const cdp = await page.context().newCDPSession(page);
  assert.deepEqual((await cdp.send('Page.getAppManifest')).errors, []);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito'), []);
  await page.context().close();
});

test('after one visit the app opens offline: a reload shows Home, not the browser offline page', async () => {
  const page = await walkerUnderWorker('Olive Offline');
  // The worker's cache is named after this build, the version /sw.js carries.
  const sw = await (await page.request.get(`${server.url}/sw.js`)).text();
  const version = /const VERSION = '([0-9a-f]{16})'/.exec(sw)?.[1];
  assert.ok(version, 'the served worker carries a build version');
  const keys = await page.evaluate(() => caches.keys());
  assert.ok(keys.includes(`rw-shell-${version}`), `shell cache for this build in ${keys}`);

  await page.context().setOffline(true);
  await page.reload();
  await page.waitForSelector('#next-session');
  assert.match(await page.textContent('h1'), /Hello, Olive/);
  // The page says its figures are the last ones loaded.
  await page.waitForSelector('#offline-banner', { state: 'visible' });
  // Moving to another page loads its module from the cache too.
  await page.click('a.tab[href="/programme"]');
  await page.waitForSelector('.page-programme h1');
  // Back online, the next answer from the server takes the banner away.
  await page.context().setOffline(false);
  await page.click('a.tab[href="/"]');
  await page.waitForSelector('#offline-banner', { state: 'hidden' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('once a new build\'s worker takes over, the next page is loaded whole, not mixed with the old scripts', async () => {
  const page = await walkerUnderWorker('Nia Newbuild');
  // Moving between pages keeps the page (and this marker) while the build is the same.
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.click('a.tab[href="/programme"]');
  await page.waitForSelector('.page-programme h1');
  assert.equal(await page.evaluate(() => window.__sameDocument), true);
  // What the browser does when a new build's worker activates and claims the page.
  await page.evaluate(() => navigator.serviceWorker.dispatchEvent(new Event('controllerchange')));
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page in front of the person stays');
  await page.click('a.tab[href="/progress"]');
  await page.waitForSelector('.page-progress h1');
  assert.equal(await page.evaluate(() => window.__sameDocument), undefined, 'the next page is a fresh load');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a log saved offline is queued, then sent exactly once when the connection returns', async () => {
  const page = await walkerUnderWorker('Quinn Queue');
  const ctx = page.context();
  await ctx.setOffline(true);
  // A fresh load of the log page offline: the shell, the page module and the last answers
  // all come from the worker's caches ("Failed to fetch dynamically imported module" before).
  await page.goto(`${server.url}/log`);
  await page.waitForSelector('#save-log');
  await page.click('label[for="effort-4"]');
  await page.click('#save-log');
  await page.waitForSelector('#log-queued');
  assert.match(await page.textContent('#log-queued'), /sent when the connection returns/);
  const queued = await page.evaluate(() => JSON.parse(localStorage.getItem('rw_outbox')));
  assert.equal(queued.length, 1);
  assert.ok(queued[0].body.idempotency_key, 'the queued log keeps its idempotency key');

  await page.click('#done-home');
  await page.waitForSelector('#outbox-pending');
  assert.match(await page.textContent('#outbox-pending'), /1 session log saved on this phone/);

  await ctx.setOffline(false);
  await page.waitForFunction(() => localStorage.getItem('rw_outbox') === null);
  await page.waitForSelector('#outbox-pending', { state: 'detached' });
  const sessions = async () => (await (await page.request.get(`${server.url}/api/progress`)).json()).sessions.length;
  assert.equal(await sessions(), 1);

  // The same queued log sent again (as when a send's answer is lost and it is retried):
  // the server knows its key and counts nothing new.
  await page.evaluate((items) => {
    localStorage.setItem('rw_outbox', JSON.stringify(items));
    window.dispatchEvent(new Event('online'));
  }, queued);
  await page.waitForFunction(() => localStorage.getItem('rw_outbox') === null);
  assert.equal(await sessions(), 1);
  assert.deepEqual(page.errors, []);
  await ctx.close();
});

test('a morning check saved offline is sent when the connection returns', async () => {
  const page = await walkerUnderWorker('Mo Morning');
  await page.goto(`${server.url}/log`);
  await page.click('label[for="effort-4"]');
  await page.click('#save-log');
  await page.waitForSelector('#log-result');
  // The next morning (?date= moves "today"), seen once online so its answers are kept.
  const tomorrow = new Date();
  tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
  const day = tomorrow.toISOString().slice(0, 10);
  await page.goto(`${server.url}/?date=${day}`);
  await page.waitForSelector('#morning-check');
  const ctx = page.context();
  await ctx.setOffline(true);
  await page.click('label[for="morning_pain-3"]');
  await page.click('#morning-save');
  await page.waitForSelector('#morning-result:not([hidden])');
  assert.match(await page.textContent('#morning-result'), /Saved on this phone/);
  const due = async () => (await (await page.request.get(`${server.url}/api/today?date=${day}`)).json()).morning_check_due;
  await ctx.setOffline(false);
  await page.waitForFunction(() => localStorage.getItem('rw_outbox') === null);
  assert.ok(!(await due()), 'the morning check reached the server');
  assert.deepEqual(page.errors, []);
  await ctx.close();
});
