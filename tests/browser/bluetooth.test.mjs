// The runner's "Bluetooth treadmill" choice on a server built without Bluetooth (the
// normal build): picking it shows the server's own sentence on how to build with
// Bluetooth, starting on it is refused with that message and nothing moves, and the
// session can still be started without a treadmill link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, onboard, PHONE, tickChecklist } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function toChecklist(page) {
  await signUp(page, server.url, { name: 'Bo Bluetooth' });
  await onboard(page, { units: 'kmh' });
  await page.click('#to-home');
  await page.click('#start-session');
  await tickChecklist(page);
}

test('without Bluetooth in the build, the runner says how to get it and still runs the session', async () => {
  const page = await newPage(browser);
  const devices = [];
  page.on('response', (r) => { if (r.url().includes('/api/devices')) devices.push(r.status()); });
  await toChecklist(page);

  assert.equal(await page.isVisible('#bt-panel'), false, 'the panel waits until Bluetooth is chosen');
  await page.click('label[for="treadmill-bluetooth"]');
  await page.waitForSelector('#bt-error:not([hidden])');
  const message = await page.textContent('#bt-error');
  assert.match(message, /built without Bluetooth/);
  assert.match(message, /--features bluetooth/);
  assert.deepEqual(devices, [501], 'the message is the server\'s answer to the device scan');
  assert.equal(await page.isVisible('#bt-device'), false, 'no device list to pick from');
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/runner-bluetooth-unavailable.png`, fullPage: true });

  // Start with Bluetooth chosen but nothing to pick: refused on the page, nothing started.
  await page.click('#start');
  await page.waitForSelector('#checklist .form-error:not([hidden])');
  assert.match(await page.textContent('#checklist .form-error[role=alert]:not(#bt-error)'), /Choose a Bluetooth treadmill/);
  assert.equal(await page.isVisible('#runner'), false);

  // "Search again" asks the server again and shows its answer again.
  await page.click('#bt-scan');
  await page.waitForFunction(() => !document.querySelector('#bt-scan').disabled);
  assert.deepEqual(devices, [501, 501]);
  assert.match(await page.textContent('#bt-error'), /--features bluetooth/);

  // Without a treadmill link the session starts, times itself, and stops as usual.
  await page.click('label[for="treadmill-none"]');
  assert.equal(await page.isVisible('#bt-panel'), false);
  await page.click('#start');
  await page.waitForSelector('#runner:not([hidden])');
  assert.equal(await page.isVisible('#no-treadmill'), true);
  assert.equal(await page.isVisible('#live'), false);
  await page.waitForFunction(() => document.querySelector('#elapsed')?.textContent === '0:01', null, { timeout: 5000 });
  await page.click('#stop');
  await page.click('#stop-sheet button[data-reason="other"]');
  await page.waitForURL(/\/log\?/);
  assert.deepEqual(page.errors, []);
});

test('found devices are listed to pick, and the pick is what the run asks the server for', async () => {
  // No service worker: its fetches would pass the stubbed scan below by.
  const page = await newPage(browser, PHONE, { serviceWorkers: 'block' });
  // The scan's answer as a server with Bluetooth gives it (this build has none); the run
  // request itself goes to the real server, which refuses it with its 501.
  await page.route('**/api/devices*', (route) => route.fulfill({
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({
      seconds: 5,
      devices: [
        { name: 'FS-6041F1', address: 'C0:11:22:33:44:55', kind: 'treadmill', label: 'treadmill', rssi: -60 },
        { name: null, address: 'D0:11:22:33:44:66', kind: 'treadmill', label: 'fitness machine', rssi: -80 },
        { name: 'Polar H10 1234', address: 'E0:11:22:33:44:77', kind: 'heart_rate_strap', label: 'heart-rate strap', rssi: -50 },
      ],
    }),
  }));
  const asked = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/runs') && r.method() === 'POST') asked.push(r.postDataJSON()); });
  await toChecklist(page);
  await page.click('label[for="treadmill-bluetooth"]');
  await page.waitForSelector('#bt-device', { state: 'visible' });
  assert.match(await page.textContent('#bt-status'), /Found 2 treadmills and 1 heart-rate strap/);
  const options = await page.$$eval('#bt-device option', (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options, [
    ['FS-6041F1', 'FS-6041F1 (C0:11:22:33:44:55)'],
    ['D0:11:22:33:44:66', 'D0:11:22:33:44:66'],
  ]);
  assert.deepEqual(await page.$$eval('#bt-strap option', (os) => os.map((o) => o.value)), ['', 'Polar H10 1234']);
  await page.selectOption('#bt-strap', 'Polar H10 1234');

  await page.click('#start');
  await page.waitForSelector('#checklist > .form-error:not([hidden])');
  assert.equal(asked.length, 1);
  assert.equal(asked[0].treadmill, 'bluetooth');
  assert.equal(asked[0].device, 'FS-6041F1');
  assert.equal(asked[0].hr_strap, 'Polar H10 1234');
  assert.match(await page.textContent('#checklist > .form-error'), /--features bluetooth/);
  assert.equal(await page.isVisible('#runner'), false, 'a refused run does not start the runner');
  assert.deepEqual(page.errors, []);
});
