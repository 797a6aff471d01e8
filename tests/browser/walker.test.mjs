// A person signs up, is screened, runs the first session through the checklist, presses
// STOP, says why, logs the session and sees the adapted next session with its reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, onboard, number } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('sign-up → screening → checklist → run → STOP with a reason → log → adapted next session', async () => {
  const page = await newPage(browser);
  await page.clock.install();
  // Record what would be spoken and the screen wake lock, instead of real audio and power.
  await page.addInitScript(() => {
    window.__spoken = [];
    window.__wake = [];
    Object.defineProperty(window, 'speechSynthesis', {
      configurable: true,
      value: { speak: (u) => window.__spoken.push(u.text), cancel: () => {}, getVoices: () => [] },
    });
    Object.defineProperty(navigator, 'wakeLock', {
      configurable: true,
      value: { request: async (type) => { window.__wake.push(`request:${type}`); return { release: async () => { window.__wake.push('release'); } }; } },
    });
  });
  const spoken = () => page.evaluate(() => window.__spoken.slice());
  const base = server.url;

  const email = await signUp(page, base, { name: 'Ada Walker' });
  const tier = await onboard(page, { age: 52, massKg: 74, units: 'mph' });
  assert.equal(tier.trim(), 'Standard');
  assert.match(await page.textContent('#tier-result'), /safety checklist/i);

  await page.click('#to-home');
  await page.waitForSelector('#next-session');
  const planned = number(await page.textContent('#fact-speed'));
  assert.match(await page.textContent('#fact-speed'), /mph$/);
  await page.click('#start-session');
  await page.waitForURL(/\/run\?date=/);

  // Start stays disabled until every checklist item is ticked.
  await page.waitForSelector('#checklist input[data-check]', { state: 'attached' });
  const boxes = page.locator('#checklist input[data-check]');
  const n = await boxes.count();
  assert.ok(n >= 5, `expected the safety checklist, got ${n} items`);
  assert.equal(await page.isDisabled('#start'), true);
  for (let i = 0; i < n - 1; i++) {
    await page.click(`label[for="${await boxes.nth(i).getAttribute('id')}"]`);
    assert.equal(await page.isDisabled('#start'), true, `Start enabled with ${n - 1 - i} items unticked`);
  }
  await page.click(`label[for="${await boxes.nth(n - 1).getAttribute('id')}"]`);
  assert.equal(await page.isDisabled('#start'), false);
  assert.equal(await page.isVisible('#stop'), false, 'STOP appears once the session runs');
  // How to stand, drawn and said in words (issue 13).
  assert.equal(await page.isVisible('#posture-figure [role="img"] svg'), true);
  assert.match(await page.getAttribute('#posture-figure [role="img"]', 'aria-label'), /facing away from the console/);
  assert.match(await page.textContent('#posture-figure figcaption'), /toe first, then heel/);

  const heartbeats = [];
  page.on('request', (r) => { if (/\/api\/runs\/[^/]+\/heartbeat$/.test(r.url())) heartbeats.push(r.url()); });
  await page.click('#start');
  await page.waitForSelector('#runner:not([hidden])');
  assert.match(await page.textContent('#segment-label'), /warm-up/i);
  assert.equal(await page.textContent('#timer'), '3:00');
  assert.equal(await page.isVisible('#stop'), true);
  assert.equal(await page.isVisible('#no-treadmill'), true, 'without a treadmill link the runner says so');
  assert.equal(await page.isVisible('#turn-figure'), false, 'the turning drawing waits for the turn');
  assert.deepEqual(await page.evaluate(() => window.__wake), ['request:screen']);
  assert.ok((await spoken()).some((t) => /stop at once/i.test(t)), 'the safety cue is spoken at the start');
  // Issue 12: the cue names the pain limit the engine applies, not "any pain".
  assert.ok((await spoken()).some((t) => /stop at once.*knee pain goes above 5 out of 10/i.test(t)), `the stop cue names 5/10: ${await spoken()}`);

  // Into the turn after the 3-minute warm-up: the turning drawing shows for it alone.
  await page.clock.runFor(185_000);
  assert.match(await page.textContent('#segment-label'), /turn to face the back/i);
  assert.equal(await page.isVisible('#turn-figure'), true);
  assert.match(await page.textContent('#turn-figure figcaption'), /hold both rails/i);
  // On past the turn (20 s) into the first backward bout.
  await page.clock.runFor(55_000);
  assert.equal(await page.isVisible('#turn-figure'), false);
  assert.match(await page.textContent('#segment-label'), /backward bout 1/i);
  const target = await page.textContent('#target-speed');
  assert.match(target, /mph$/);
  assert.equal(number(target), planned);
  const width = await page.$eval('.progress span', (el) => parseFloat(el.style.width));
  assert.ok(width > 0 && width < 100, `progress ${width}%`);
  assert.ok(heartbeats.length >= 3, `expected a heartbeat every second, saw ${heartbeats.length}`);
  let said = await spoken();
  assert.ok(said.some((t) => /warm up walking forward/i.test(t)), said.join(' | '));
  assert.ok(said.some((t) => /backward bout 1 of \d+.*toe to heel/i.test(t)), said.join(' | '));
  assert.ok(said.some((t) => /stand tall/i.test(t)), said.join(' | '));
  // Units are said as words, never read out as letters (issue 13).
  assert.ok(said.some((t) => /\d miles per hour/.test(t)), said.join(' | '));
  for (const t of said) assert.doesNotMatch(t, /\bmph\b|\d min\b/, t);
  await page.clock.runFor(25_000);
  said = await spoken();
  assert.ok(said.some((t) => /glance, don't twist/i.test(t)), said.join(' | '));
  assert.match(await page.textContent('#cue'), /glance, don't twist/i);

  // Muted: cues still show on screen but nothing more is said.
  await page.click('#mute');
  assert.equal(await page.getAttribute('#mute', 'aria-pressed'), 'true');
  const before = said.length;
  await page.clock.runFor(60_000);
  assert.equal((await spoken()).length, before);

  // Pause holds the timer and tells the server; resume carries on from the same second.
  const calls = [];
  page.on('request', (r) => { const m = /\/api\/runs\/[^/]+\/(pause|resume|stop)$/.exec(r.url()); if (m) calls.push(m[1]); });
  await page.click('#pause');
  const held = await page.textContent('#timer');
  await page.clock.runFor(10_000);
  assert.equal(await page.textContent('#timer'), held);
  assert.equal(await page.isVisible('.paused-chip'), true);
  await page.click('#pause');
  await page.clock.runFor(3_000);
  assert.notEqual(await page.textContent('#timer'), held);
  assert.equal(await page.isVisible('.paused-chip'), false);
  assert.deepEqual(calls, ['pause', 'resume']);

  await page.click('#stop');
  await page.waitForSelector('#stop-sheet:not([hidden])');
  // The timer is frozen the moment STOP is pressed.
  const frozen = await page.textContent('#timer');
  await page.clock.runFor(5_000);
  assert.equal(await page.textContent('#timer'), frozen);
  assert.deepEqual(await page.evaluate(() => window.__wake), ['request:screen', 'release']);
  await page.click('#stop-sheet button[data-reason="dizziness"]');
  await page.waitForURL(/\/log\?/);
  assert.deepEqual(calls, ['pause', 'resume', 'pause', 'stop'], 'STOP stops the belt at once, then records the reason');
  assert.equal(await page.inputValue('#stopped_early'), 'dizziness');
  assert.equal(await page.isChecked('#dizziness'), true);
  assert.ok(Number(await page.inputValue('#backward_min')) > 0);

  // The log form says the same pain limit as the cue and the rule (issue 12).
  const guide = await page.textContent('#pain-guide');
  assert.match(guide, /Up to 5\/10 during the walk is acceptable if it settles by the next morning/, guide);
  assert.match(guide, /Above 5\/10, or sharp pain: stop/, guide);

  // Effort has no answer until the person gives one, and saving without it is refused.
  assert.equal(await page.locator('input[name="effort"]:checked').count(), 0);
  await page.click('#save-log');
  await page.waitForSelector('.form-error:not([hidden])');
  assert.match(await page.textContent('.form-error'), /how hard it felt/);
  await page.click('label[for="effort-4"]');
  await page.click('label[for="pain_during-1"]');
  await page.click('#save-log');
  await page.waitForSelector('#log-result');
  const reason = await page.textContent('#decision-reason');
  assert.match(reason, /dizzy/i, `reason: ${reason}`);
  assert.match(await page.textContent('#decision-outcome'), /step back/i);
  const next = number(await page.textContent('#next-session #fact-speed'));
  assert.ok(next < planned, `next session ${next} should be slower than ${planned} after dizziness`);

  // Home shows the same adaptation and its reason.
  await page.click('#done-home');
  await page.waitForSelector('#last-adaptation');
  assert.equal((await page.textContent('#last-reason')).trim(), reason.trim());

  // The next morning, home asks about the knee; the answer is saved.
  const tomorrow = new Date(Date.now() + 86_400_000);
  const t = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
  await page.goto(`${base}/?date=${t}`);
  await page.waitForSelector('#morning-check');
  assert.equal(await page.locator('input[name="morning_pain"]:checked').count(), 0, 'no answer chosen for the person');
  await page.click('label[for="morning_pain-2"]');
  await page.click('#morning-save');
  await page.waitForSelector('.toast');
  assert.match(await page.textContent('.toast'), /morning check saved/i);
  await page.goto(`${base}/?date=${t}`);
  await page.waitForSelector('#last-adaptation');
  assert.equal(await page.isVisible('#morning-check'), false, 'asked only once');
  const latest = (await page.textContent('#last-reason')).trim();
  assert.ok(latest.length > 0);

  // Signing out and back in lands on the same home page.
  await page.goto(`${base}/settings`);
  await page.click('#signout');
  await page.waitForURL(/\/signin$/);
  await page.fill('#email', email);
  await page.fill('#password', 'wrong password!');
  await page.click('#submit');
  await page.waitForSelector('.form-error:not([hidden])');
  await page.fill('#password', 'correct horse battery');
  await page.click('#submit');
  await page.waitForSelector('#last-reason');
  assert.equal((await page.textContent('#last-reason')).trim(), latest);

  // Switching to km/h converts what home shows.
  const mph = number(await page.textContent('#fact-speed'));
  await page.goto(`${base}/settings`);
  await page.click('label[for="units-kmh"]');
  await page.click('#save-units');
  await page.waitForSelector('.toast');
  await page.goto(`${base}/`);
  await page.waitForSelector('#next-session');
  const kmh = await page.textContent('#fact-speed');
  assert.match(kmh, /km\/h$/);
  assert.ok(Math.abs(number(kmh) - mph * 1.609344) <= 0.1, `${mph} mph shown as ${kmh}`);
  assert.deepEqual(page.errors, []);
});

test('a new screening that calls for clearance holds the sessions until a clinician records it', async () => {
  const base = server.url;
  const page = await newPage(browser);
  await signUp(page, base, { name: 'Rae Rescreen' });
  assert.equal((await onboard(page)).trim(), 'Standard');
  await page.goto(`${base}/`);
  await page.waitForSelector('#start-session');

  // Later the person reports new dizziness and balance problems under Settings.
  await page.goto(`${base}/settings`);
  await page.click('a[href="/onboarding"]');
  await page.waitForSelector('#age');
  assert.equal((await onboard(page, { flags: ['flag_dizzy', 'flag_balance'] })).trim(), 'Clearance required');
  assert.match(await page.textContent('#tier-result'), /starts after clearance/i);

  await page.goto(`${base}/`);
  await page.waitForSelector('#needs-clearance');
  assert.equal(await page.locator('#start-session').count(), 0, 'no session to start');
  assert.match(await page.textContent('.page-head .mini-badge'), /^Clearance required$/);
  await page.goto(`${base}/programme`);
  await page.waitForSelector('.calendar');
  assert.equal(await page.locator('.cal-cell.has-session').count(), 0, 'nothing planned');
  assert.deepEqual(page.errors, []);
});
