// What a page load costs on the phone's Wi-Fi: /api/me is asked once, and the CSS, scripts
// and JSON come compressed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, onboard } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

function countMe(page) {
  const seen = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/me') seen.push(r.url()); });
  return seen;
}

test('/api/me is fetched once on load, signed out and signed in', async () => {
  const page = await newPage(browser);
  let me = countMe(page);
  // Signed out: the app asks once, learns nobody is signed in, and shows the sign-in page.
  await page.goto(`${server.url}/`);
  await page.waitForURL(/\/signin$/);
  await page.waitForSelector('#submit');
  await page.waitForTimeout(300);
  assert.equal(me.length, 1, `signed out: ${me.length} requests for /api/me`);

  await signUp(page, server.url, { name: 'Net Walker' });
  await onboard(page, { units: 'kmh' });
  await page.click('#to-home');
  await page.waitForSelector('#start-session');
  me.length = 0;
  await page.reload();
  await page.waitForSelector('#start-session');
  await page.waitForTimeout(300);
  assert.equal(me.length, 1, `signed in, home: ${me.length} requests for /api/me`);

  // Moving between pages needs no new ask.
  me.length = 0;
  await page.click('a.tab[href="/progress"]');
  await page.waitForURL(/\/progress$/);
  await page.click('a.tab[href="/"]');
  await page.waitForSelector('#start-session');
  assert.equal(me.length, 0, `navigating: ${me.length} requests for /api/me`);
  assert.deepEqual(page.errors, []);
});

test('the CSS, the scripts and the JSON arrive compressed', async () => {
  const page = await newPage(browser);
  const enc = new Map();
  page.on('response', async (r) => {
    const p = new URL(r.url()).pathname;
    enc.set(p, (await r.allHeaders())['content-encoding'] || 'identity');
  });
  await page.goto(`${server.url}/signin`);
  await page.waitForSelector('#submit');
  await page.evaluate(() => fetch('/api/openapi.json').then((r) => r.json()));
  await page.waitForTimeout(300);
  for (const p of ['/assets/app.css', '/assets/app.js', '/api/openapi.json']) {
    assert.match(enc.get(p) || 'not fetched', /^(br|gzip)$/, `${p}: ${enc.get(p)}`);
  }
});
