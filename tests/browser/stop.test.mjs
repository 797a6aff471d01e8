// What STOP and a lost connection tell the person on the belt must be true of the belt:
// without a treadmill link retrowalk cannot stop it (the console and the safety key can);
// with a link, the server stops it, and says so only once that is what happened.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, onboard, tickChecklist } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function startRun(treadmill) {
  const page = await newPage(browser);
  await signUp(page, server.url, { name: `Stop ${treadmill}` });
  await onboard(page, { units: 'kmh' });
  await page.click('#to-home');
  await page.click('#start-session');
  await tickChecklist(page);
  await page.click(`label[for="treadmill-${treadmill}"]`);
  await page.click('#start');
  await page.waitForSelector('#runner:not([hidden])');
  if (treadmill === 'sim') {
    await page.waitForFunction(() => /\d/.test(document.querySelector('#live-speed')?.textContent || ''));
  }
  return page;
}

const sheetText = (page) => page.textContent('#stop-sheet .sheet');

test('without a treadmill link, STOP says to step onto the side rails and stop the belt on the console', async () => {
  const page = await startRun('none');
  await page.click('#stop');
  await page.waitForSelector('#stop-sheet:not([hidden])');
  const text = await sheetText(page);
  assert.match(text, /side rails/i, text);
  assert.match(text, /console's stop/i, text);
  assert.match(text, /safety key/i, text);
  assert.match(text, /not stopped by retrowalk|keeps (moving|running)/i, text);
  assert.doesNotMatch(text, /belt is stopping|belt stopped|hold the rails and stand still/i, text);
  await page.click('#stop-sheet button[data-reason="other"]');
  await page.waitForURL(/\/log\?/);
  assert.deepEqual(page.errors, []);
});

test('without a treadmill link, pausing does not pretend to stop the belt', async () => {
  const page = await startRun('none');
  const said = [];
  await page.exposeFunction('noteSpeech', (t) => said.push(t));
  await page.evaluate(() => {
    const orig = window.speechSynthesis?.speak?.bind(window.speechSynthesis);
    if (window.speechSynthesis) window.speechSynthesis.speak = (u) => { window.noteSpeech(u.text); orig?.(u); };
  });
  await page.click('#pause');
  await page.waitForFunction(() => document.querySelector('#runner').classList.contains('paused'));
  await page.waitForTimeout(200);
  const pausedText = await page.textContent('#runner');
  assert.match(pausedText, /belt keeps (moving|running)|console/i, pausedText);
  for (const s of said) assert.doesNotMatch(s, /^Paused\. Hold the rails\.$/, s);
});

test('with the simulated treadmill, STOP says the belt is stopping', async () => {
  const page = await startRun('sim');
  await page.click('#stop');
  await page.waitForSelector('#stop-sheet:not([hidden])');
  await page.waitForFunction(() => /belt is stopping/i.test(document.querySelector('#stop-sheet').textContent));
  const text = await sheetText(page);
  assert.doesNotMatch(text, /not stopped by retrowalk/i, text);
  await page.click('#stop-sheet button[data-reason="other"]');
  await page.waitForURL(/\/log\?/);
  assert.deepEqual(page.errors, []);
});

test('with the simulated treadmill offline, STOP does not claim the link stops the belt', async () => {
  const page = await startRun('sim');
  await page.context().setOffline(true);
  await page.click('#stop');
  await page.waitForSelector('#stop-sheet:not([hidden])');
  // The pause request fails at once offline; give it a moment to be reported.
  await page.waitForFunction(() => /console's stop/i.test(document.querySelector('#stop-sheet').textContent));
  const text = await sheetText(page);
  assert.match(text, /side rails/i, text);
  assert.match(text, /safety key/i, text);
  assert.doesNotMatch(text, /belt is stopping/i, text);
  await page.context().setOffline(false);
});

test('with the simulated treadmill, a lost connection ends in "connection to the app lost, belt stopped"', async () => {
  const page = await startRun('sim');
  await page.context().setOffline(true);
  // The first sign: heartbeats fail. The belt is still moving: nothing may say it stopped.
  await page.waitForSelector('.run-warn:not([hidden])', { timeout: 10000 });
  const early = await page.textContent('.run-warn');
  assert.match(early, /connection to the app lost/i, early);
  assert.doesNotMatch(early, /belt stopped|stops the belt for safety/i, early);
  // The server hears no heartbeat for a few seconds and stops the belt; its stream says so.
  await page.waitForSelector('#stop-sheet:not([hidden])', { timeout: 15000 });
  const sheet = await sheetText(page);
  assert.match(sheet, /connection to the app lost, belt stopped/i, sheet);
  assert.doesNotMatch(sheet, /heartbeat/i, sheet);
  const warn = await page.textContent('.run-warn');
  assert.match(warn, /connection to the app lost, belt stopped/i, warn);
  await page.context().setOffline(false);
});

test('without a treadmill link, a lost connection never claims the belt is stopped', async () => {
  const page = await startRun('none');
  await page.context().setOffline(true);
  await page.waitForSelector('.run-warn:not([hidden])', { timeout: 10000 });
  await page.waitForTimeout(6000);
  const warn = await page.textContent('.run-warn');
  assert.match(warn, /connection to the app lost/i, warn);
  assert.match(warn, /console/i, warn);
  assert.doesNotMatch(warn, /belt stopped|stops the belt|belt is stopping/i, warn);
  await page.context().setOffline(false);
});

test('the note typed on the STOP sheet is kept with the session log', async () => {
  const page = await startRun('none');
  await page.click('#stop');
  await page.waitForSelector('#stop-sheet:not([hidden])');
  await page.fill('#stop-note', 'sharp pain inside the left knee');
  await page.click('#stop-sheet button[data-reason="pain"]');
  await page.waitForURL(/\/log\?/);
  assert.match(await page.textContent('#stop-note-kept'), /kept/);
  await page.click('label[for="effort-4"]');
  await page.fill('#notes', 'stopped after the warm-up');
  await page.click('#save-log');
  await page.waitForSelector('#log-result');
  const history = await page.evaluate(async () => (await fetch('/api/history')).json());
  const notes = history.filter((e) => e.event.kind === 'session').map((e) => e.note);
  assert.equal(notes.length, 1);
  assert.match(notes[0], /At STOP: sharp pain inside the left knee/);
  assert.match(notes[0], /stopped after the warm-up/);
  assert.deepEqual(page.errors, []);
});
