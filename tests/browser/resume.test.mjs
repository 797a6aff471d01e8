// A session survives a reload: leaving asks first, and Home then offers to resume it where
// the timer was, or to log the part that was walked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, onboard, tickChecklist } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const seconds = (clock) => clock.split(':').reduce((a, b) => a * 60 + Number(b), 0);

async function startUnlinked(page) {
  await signUp(page, server.url, { name: 'Gus Reload' });
  await onboard(page, { units: 'kmh' });
  await page.click('#to-home');
  await page.click('#start-session');
  await tickChecklist(page);
  await page.click('#start');
  await page.waitForSelector('#runner:not([hidden])');
}

/** Reloads mid-session, answering the "leave this page?" question; returns whether it was asked. */
async function reloadConfirmed(page) {
  let asked = false;
  const onDialog = (d) => { if (d.type() === 'beforeunload') asked = true; d.accept().catch(() => {}); };
  page.on('dialog', onDialog);
  await page.reload();
  page.off('dialog', onDialog);
  return asked;
}

test('a reload mid-session asks first, and Home resumes the session where the timer was', async () => {
  const page = await newPage(browser);
  await startUnlinked(page);
  await page.waitForFunction(() => /^0:0[3-9]$/.test(document.querySelector('#elapsed').textContent));
  const before = seconds(await page.textContent('#elapsed'));
  assert.equal(await reloadConfirmed(page), true, 'leaving mid-session asks for confirmation');

  await page.goto(`${server.url}/`);
  await page.waitForSelector('#left-session');
  const card = await page.textContent('#left-session');
  assert.match(card, /You left a session/);
  assert.ok(await page.isVisible('#resume-session'));
  assert.ok(await page.isVisible('#log-left-session'));

  await page.click('#resume-session');
  await page.waitForSelector('#runner:not([hidden])');
  assert.equal(await page.isVisible('#checklist'), false, 'no second checklist on a moving belt');
  assert.match(await page.textContent('.run-warn'), /paused where you left it/i);
  const resumedAt = seconds(await page.textContent('#elapsed'));
  assert.ok(resumedAt >= before, `resumed at ${resumedAt} s, left at ${before} s`);
  await page.click('#pause'); // "Resume"
  await page.waitForFunction((t) => {
    const [m, s] = document.querySelector('#elapsed').textContent.split(':').map(Number);
    return m * 60 + s >= t + 2;
  }, resumedAt);
  // Finishing it properly: STOP, a reason, the log.
  await page.click('#stop');
  await page.click('#stop-sheet button[data-reason="other"]');
  await page.waitForURL(/\/log\?/);
  assert.deepEqual(page.errors, []);
});

test('"log the session you stopped" fills the log from what was walked, and the offer goes once logged', async () => {
  const page = await newPage(browser);
  await startUnlinked(page);
  await page.waitForFunction(() => /^0:0[2-9]$/.test(document.querySelector('#elapsed').textContent));
  await reloadConfirmed(page);
  await page.goto(`${server.url}/`);
  await page.click('#log-left-session');
  await page.waitForURL(/\/log\?/);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('stopped'), 'other');
  assert.ok(url.searchParams.has('backward_s'));
  assert.equal(await page.inputValue('#stopped_early'), 'other');
  await page.click('label[for="effort-4"]');
  await page.click('label[for="pain_during-1"]');
  await page.click('label[for="pain_after-1"]');
  await page.click('#save-log');
  await page.waitForSelector('#log-result');
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#next-session');
  assert.equal(await page.isVisible('#left-session'), false);
  assert.deepEqual(page.errors, []);
});
