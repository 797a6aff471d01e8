// A reload in the middle of a session that drives the (simulated) treadmill (issue 13): the
// server stops the belt when the page goes; Home offers to resume; the runner comes back
// paused where it was and asks to reconnect; the belt starts again only on that tap, at the
// segment the person was on, not back at the warm-up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, onboard, number, tickChecklist } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const seconds = (clock) => clock.split(':').reduce((a, b) => a * 60 + Number(b), 0);

test('after a reload a treadmill session reconnects on a tap, never by itself', async () => {
  const page = await newPage(browser);
  await signUp(page, server.url, { name: 'Tess Treadmill' });
  await onboard(page, { units: 'kmh' });
  await page.click('#to-home');
  await page.click('#start-session');
  await tickChecklist(page);
  await page.click('label[for="treadmill-sim"]');
  await page.click('#start');
  await page.waitForFunction(() => Number((document.querySelector('#live-speed')?.textContent || '').replace(/[^\d.]/g, '')) > 0);
  await page.waitForFunction(() => /^0:0[3-9]$/.test(document.querySelector('#elapsed').textContent));
  const left = seconds(await page.textContent('#elapsed'));
  const firstRun = await page.evaluate(() => JSON.parse(localStorage.getItem('rw_saved_run')).runId);
  assert.ok(firstRun, 'the run is remembered with its id');

  const onDialog = (d) => d.accept().catch(() => {});
  page.on('dialog', onDialog);
  await page.reload();
  page.off('dialog', onDialog);

  await page.goto(`${server.url}/`);
  await page.waitForSelector('#left-session');
  // Where the page was when it went (the clock on screen rounds to a second).
  const savedT = await page.evaluate(() => JSON.parse(localStorage.getItem('rw_saved_run')).t);
  assert.ok(savedT >= left - 1, `saved at ${savedT} s, the clock showed ${left} s`);
  assert.match(await page.textContent('#left-linked'), /stopped the belt/);

  // Every run started from here on is seen.
  const started = [];
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/runs') started.push(r.postDataJSON()); });
  // Resuming stops the old run at once (rather than when its heartbeat times out).
  const oldStopped = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/runs/${firstRun}/stop`);
  await page.click('#resume-session');
  await page.waitForSelector('#runner:not([hidden])');
  assert.equal(await page.isVisible('#checklist'), false, 'no second checklist');
  assert.match(await page.textContent('.run-warn'), /Reconnect and start belt.*and not before/);
  assert.match(await page.textContent('#pause'), /Reconnect and start belt/);
  assert.equal(await page.isVisible('#live'), false);
  assert.ok(seconds(await page.textContent('#elapsed')) >= left);
  // The old run was stopped, so no belt is moving while the page waits for the tap.
  assert.ok([200, 409].includes((await oldStopped).status()));
  const oldLive = await page.evaluate(async (id) => (await fetch(`/api/runs/${id}/live`)).status, firstRun);
  assert.equal(oldLive, 409, 'the run from before the reload has stopped');
  assert.deepEqual(started, [], 'nothing started the belt without a tap');

  await page.click('#pause');
  await page.waitForFunction(() => !document.querySelector('#live').hidden);
  assert.equal(started.length, 1);
  assert.equal(started[0].treadmill, 'sim');
  assert.equal(started[0].from_s, Math.floor(savedT), 'the new run starts where the person left');
  await page.waitForFunction(() => Number((document.querySelector('#live-speed')?.textContent || '').replace(/[^\d.]/g, '')) > 0);
  const target = number(await page.textContent('#target-speed'));
  assert.ok(number(await page.textContent('#live-speed')) <= target + 1e-9);
  assert.match(await page.textContent('#pause'), /Pause/);
  await page.waitForFunction((t) => {
    const [m, s] = document.querySelector('#elapsed').textContent.split(':').map(Number);
    return m * 60 + s >= t + 1;
  }, started[0].from_s);

  await page.click('#stop');
  await page.click('#stop-sheet button[data-reason="other"]');
  await page.waitForURL(/\/log\?/);
  assert.deepEqual(page.errors, []);
});
