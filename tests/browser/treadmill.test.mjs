// With the simulated treadmill, the runner shows live belt figures (speed, incline,
// distance, heart rate) from the server's event stream, and the belt never runs faster
// than the segment's target speed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, onboard, number, tickChecklist } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('simulated treadmill: live speed, incline and distance stay within the plan', async () => {
  const page = await newPage(browser);
  await signUp(page, server.url, { name: 'Cy Treadmill' });
  await onboard(page, { units: 'kmh' });
  await page.click('#to-home');
  await page.click('#start-session');
  await tickChecklist(page);
  await page.click('label[for="treadmill-sim"]');
  await page.click('#start');
  await page.waitForSelector('#live:not([hidden])');
  assert.equal(await page.isVisible('#no-treadmill'), false);

  await page.waitForFunction(() => /\d/.test(document.querySelector('#live-speed')?.textContent || ''));
  const target = number(await page.textContent('#target-speed'));
  const seen = [];
  for (let i = 0; i < 4; i++) {
    const speed = await page.textContent('#live-speed');
    assert.match(speed, /km\/h$/);
    seen.push(number(speed));
    assert.match(await page.textContent('#live-incline'), /^\d+(\.\d)?%$/);
    assert.match(await page.textContent('#live-distance'), /km$/);
    assert.match(await page.textContent('#live-hr'), /^\d+ bpm$/);
    await page.waitForTimeout(1000);
  }
  assert.ok(seen.every((s) => s >= 0 && s <= target + 1e-9), `belt ${seen} must stay at or under ${target} km/h`);
  assert.ok(Math.max(...seen) > 0, `the belt started: ${seen}`);

  await page.click('#stop');
  await page.click('#stop-sheet button[data-reason="other"]');
  await page.waitForURL(/\/log\?/);
  assert.deepEqual(page.errors, []);
});
