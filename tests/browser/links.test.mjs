// Invitation codes and links, as a clinician and a patient use them (issue 13): codes are
// listed with their state, copied, shown as a QR code of the join link and revoked (a
// revoked code links nobody); the join link fills the code in, through sign-up too; the
// patient sees their clinician, the limits in force in their own unit, and unlinks after
// a confirmation, after which the clinician has lost the patient and the limits stay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, onboard, uniqueEmail, call } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function newCode(doc) {
  const before = await doc.locator('#invites li').count();
  await doc.click('#create-invite');
  await doc.waitForFunction((n) => document.querySelectorAll('#invites li').length === n + 1, before);
  return (await doc.textContent('#invite-code')).trim();
}

const row = (doc, code) => doc.locator(`#invites li[data-code="${code}"]`);

test('codes are listed, copied, shown as a QR code and revoked; a revoked code links nobody', async () => {
  const base = server.url;
  const doc = await newPage(browser);
  await doc.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await signUp(doc, base, { name: 'Dr Ines Okafor', role: 'clinician' });
  const first = await newCode(doc);
  const second = await newCode(doc);
  assert.notEqual(first, second);
  assert.equal(await row(doc, first).getAttribute('data-state'), 'unused');
  assert.match(await row(doc, first).textContent(), /Unused.*Valid until/);

  // Copy: the Clipboard API where the page may use it...
  await row(doc, first).locator('[data-action="copy"]').click();
  await doc.waitForSelector('.toast-good');
  assert.equal(await doc.evaluate(() => navigator.clipboard.readText()), first);
  // ...and the older copy command where it may not (plain http on a LAN address).
  await doc.evaluate(() => {
    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
    document.execCommand = (cmd) => {
      window.__copied = cmd === 'copy' ? document.querySelector('textarea.visually-hidden')?.value : null;
      return true;
    };
  });
  await row(doc, second).locator('[data-action="copy"]').click();
  await doc.waitForFunction(() => window.__copied);
  assert.equal(await doc.evaluate(() => window.__copied), second);

  // The QR code is drawn by the server, and its link is the join page with the code.
  await row(doc, first).locator('[data-action="qr"]').click();
  const img = row(doc, first).locator('img[data-qr]');
  await img.waitFor();
  await doc.waitForFunction((c) => document.querySelector(`img[data-qr="${c}"]`)?.naturalWidth > 0, first);
  assert.equal((await row(doc, first).locator('.join-url').textContent()).trim(), `${base}/join?code=${first}`);

  // Revoking asks first; Cancel keeps the code.
  await row(doc, second).locator('[data-action="revoke"]').click();
  await row(doc, second).locator('[data-confirm="no"]').click();
  assert.equal(await row(doc, second).getAttribute('data-state'), 'unused');
  await row(doc, second).locator('[data-action="revoke"]').click();
  await row(doc, second).locator('[data-confirm="yes"]').click();
  await doc.waitForFunction((c) => document.querySelector(`#invites li[data-code="${c}"]`)?.dataset.state === 'revoked', second);
  assert.equal(await row(doc, second).locator('[data-action]').count(), 0, 'a revoked code has nothing left to do');

  const pat = await newPage(browser);
  await signUp(pat, base, { name: 'Rui Revoked' });
  await pat.goto(`${base}/settings`);
  await pat.fill('#invite-code', second);
  await pat.click('#accept-invite');
  await pat.waitForSelector('.toast-bad');
  assert.match(await pat.textContent('.toast-bad'), /revoked/);
  assert.equal(await pat.isVisible('#no-clinician'), true);

  // The first code, opened as its join link while signed out, waits through sign-up and
  // is filled in; one tap links.
  const fresh = await newPage(browser);
  await fresh.goto(`${base}/join?code=${first}`);
  await fresh.waitForURL(/\/signup$/);
  await fresh.fill('#name', 'Jo Joined');
  await fresh.fill('#email', uniqueEmail('walker'));
  await fresh.fill('#password', 'correct horse battery');
  await fresh.click('label[for="role-walker"]');
  await fresh.click('#submit');
  await fresh.waitForURL(/\/settings\?invite=/);
  assert.equal(await fresh.inputValue('#invite-code'), first);
  await fresh.click('#accept-invite');
  await fresh.waitForSelector('#invite-result:not([hidden])');
  assert.match(await fresh.textContent('#invite-result'), /Dr Ines Okafor/);
  assert.match(await fresh.textContent('#my-clinicians'), /Dr Ines Okafor/);

  await doc.reload();
  await doc.waitForSelector(`#invites li[data-code="${first}"]`);
  assert.equal(await row(doc, first).getAttribute('data-state'), 'used');
  assert.match(await row(doc, first).textContent(), /Used by Jo Joined/);
  assert.deepEqual([...doc.errors, ...pat.errors, ...fresh.errors], []);
});

test('the patient sees the limits in their unit, unlinks after a confirmation, and the limits stay', async () => {
  const base = server.url;
  const doc = await newPage(browser);
  await signUp(doc, base, { name: 'Dr Sam Ward', role: 'clinician' });
  const code = await newCode(doc);
  const pat = await newPage(browser);
  await signUp(pat, base, { name: 'Uma Unlink' });
  await onboard(pat, { units: 'mph' });
  await pat.goto(`${base}/join?code=${code}`);
  await pat.waitForURL(/\/settings\?invite=/);
  await pat.click('#accept-invite');
  await pat.waitForSelector('#invite-result:not([hidden])');

  await doc.goto(`${base}/clinician`);
  await doc.click('a.patient-row[data-patient="Uma Unlink"]');
  await doc.waitForSelector('#caps-form');
  const patientUrl = doc.url();
  // The form names the patient's unit; the limits read back in it.
  assert.match(await doc.textContent('#caps-unit'), /Speeds in mph/);
  await doc.fill('#cap-speed', '1.2');
  await doc.fill('#cap-minutes', '9');
  await doc.click('#save-caps');
  await doc.waitForFunction(() => /max speed 1\.2 mph/.test(document.querySelector('#caps-in-force')?.textContent || ''));
  assert.equal((await doc.textContent('#caps-in-force')).trim(), 'max speed 1.2 mph · max 9 min backward');

  await pat.goto(`${base}/`);
  await pat.waitForSelector('#caps-text');
  assert.equal((await pat.textContent('#caps-text')).trim(), 'Clinician’s limits: max speed 1.2 mph · max 9 min backward');
  await pat.goto(`${base}/settings`);
  await pat.waitForSelector('#my-clinicians li');
  assert.match(await pat.textContent('#my-limits'), /max speed 1\.2 mph · max 9 min backward/);

  // Unlink asks first, and says what stays.
  await pat.click('#my-clinicians [data-action="unlink"]');
  const question = await pat.textContent('#my-clinicians .confirm-box');
  assert.match(question, /Unlink Dr Sam Ward\?/);
  assert.match(question, /stay in force/);
  await pat.click('#my-clinicians [data-confirm="yes"]');
  await pat.waitForSelector('#unlink-result:not([hidden])');
  const said = await pat.textContent('#unlink-result');
  assert.match(said, /no longer linked to Dr Sam Ward/);
  assert.match(said, /max speed 1\.2 mph/);
  assert.equal(await pat.isVisible('#no-clinician'), true);

  // The clinician has lost the patient; the patient keeps the limits.
  const r = await doc.evaluate(async (u) => (await fetch(u)).status, patientUrl.replace('/clinician/patients/', '/api/patients/'));
  assert.equal(r, 404);
  await doc.goto(`${base}/clinician`);
  await doc.waitForSelector('#create-invite');
  assert.equal(await doc.locator('a.patient-row[data-patient="Uma Unlink"]').count(), 0);
  await pat.goto(`${base}/`);
  await pat.waitForSelector('#caps-text');
  assert.match(await pat.textContent('#caps-text'), /max speed 1\.2 mph/);
  assert.deepEqual([...doc.errors, ...pat.errors], []);
});

test('a reload during screening keeps the answers and the step', async () => {
  const base = server.url;
  const page = await newPage(browser);
  await signUp(page, base, { name: 'Dee Draft' });
  await page.fill('#age', '61');
  await page.fill('#mass', '150');
  await page.selectOption('#mass_unit', 'lb');
  await page.click('label[for="units-kmh"]');
  await page.click('label[for="activity-regular"]');
  await page.click('#next');
  await page.waitForSelector('[data-step="2"]:not([hidden])');
  await page.selectOption('#knee', 'acl_reconstruction');
  await page.fill('#surgery_ago', '3');
  await page.selectOption('#surgery_unit', { index: 1 });
  const surgeryUnit = await page.inputValue('#surgery_unit');
  await page.click('label[for="flag_balance"]');
  await page.fill('#walk_test', '6.5');

  await page.reload();
  await page.waitForSelector('[data-step="2"]:not([hidden])');
  assert.equal(await page.inputValue('#knee'), 'acl_reconstruction');
  assert.equal(await page.isVisible('#surgery-field'), true, 'the question that goes with the answer is shown');
  assert.equal(await page.inputValue('#surgery_ago'), '3');
  assert.equal(await page.inputValue('#surgery_unit'), surgeryUnit);
  assert.equal(await page.isChecked('#flag_balance'), true);
  assert.equal(await page.inputValue('#walk_test'), '6.5');
  await page.click('#back');
  await page.waitForSelector('[data-step="1"]:not([hidden])');
  assert.equal(await page.inputValue('#age'), '61');
  assert.equal(await page.inputValue('#mass'), '150');
  assert.equal(await page.inputValue('#mass_unit'), 'lb');
  assert.equal(await page.isChecked('#units-kmh'), true);
  assert.equal(await page.isChecked('#activity-regular'), true);

  // Finished, the draft is gone: the next visit shows what was saved, not the draft.
  await page.click('#next');
  await page.click('#next');
  await page.waitForSelector('[data-step="3"]:not([hidden])');
  await page.click('#next');
  await page.waitForSelector('#tier-result');
  const kept = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('rw_onboarding_draft')));
  assert.deepEqual(kept, []);
  const profile = await call(page, 'GET', '/api/profile');
  assert.equal(profile.age, 61);
  assert.equal(profile.knee, 'acl_reconstruction');
  assert.equal(profile.activity, 'regular');
  assert.equal(profile.backward_walk_test_s, 6.5);
  assert.deepEqual(page.errors, []);
});
