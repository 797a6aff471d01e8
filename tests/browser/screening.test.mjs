// Issue 12: onboarding asks the heart and circulation questions, the activity level and
// the time since knee surgery; the walker reads plain reasons (no rule codes) on the
// result and at home, and their clinician sees the answers and the reasons with rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, daysFromToday } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const RULE_CODE = /\b(SCR|PRE|PRG|ADA|SAF|ENE)-\d/;

async function chooseDays(page) {
  const days = daysFromToday();
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) {
    const box = page.locator(`#day-${day}`);
    if ((await box.isChecked()) !== days.includes(day)) await page.click(`label[for="day-${day}"]`);
  }
}

test('onboarding asks the new questions, the walker reads plain reasons, the clinician sees answers and rules', async () => {
  const base = server.url;
  const doc = await newPage(browser);
  await signUp(doc, base, { name: 'Dr Rosa Lind', role: 'clinician' });
  await doc.click('#create-invite');
  await doc.waitForSelector('#invite-code');
  const code = (await doc.textContent('#invite-code')).trim();

  const cal = await newPage(browser);
  await signUp(cal, base, { name: 'Cal Reyes' });
  await cal.fill('#age', '31');
  await cal.fill('#mass', '80');
  // The activity level is a question to answer, not a default.
  await cal.click('#next');
  assert.match(await cal.textContent('.form-error'), /how active you are/);
  assert.ok(await cal.isVisible('[data-step="1"]'), 'still on the first step');
  await cal.click('label[for="activity-regular"]');
  await cal.click('#next');
  await cal.waitForSelector('[data-step="2"]:not([hidden])');

  // The time since surgery is asked only after an operation.
  assert.equal(await cal.isVisible('#surgery_ago'), false);
  await cal.selectOption('#knee', 'acl_reconstruction');
  await cal.waitForSelector('#surgery_ago', { state: 'visible' });
  await cal.fill('#surgery_ago', '40');
  await cal.selectOption('#surgery_unit', 'years');
  await cal.click('#next');
  assert.match(await cal.textContent('.form-error'), /no more than your age/);
  await cal.fill('#surgery_ago', '4');
  await cal.selectOption('#surgery_unit', 'months');
  // Every heart and circulation question is on the page; Cal takes a beta-blocker.
  for (const id of ['heart_condition', 'chest_pain', 'fainting', 'high_blood_pressure', 'heart_medicine']) {
    assert.ok(await cal.isVisible(`label[for="${id}"]`), id);
  }
  await cal.click('label[for="heart_medicine"]');
  await cal.click('#next');
  await cal.waitForSelector('[data-step="3"]:not([hidden])');
  await chooseDays(cal);
  await cal.click('#next');
  await cal.waitForSelector('#tier-result');

  assert.equal((await cal.textContent('#tier')).trim(), 'Clearance required');
  const reasons = await cal.textContent('#reasons');
  assert.match(reasons, /ACL reconstruction was 4 months ago/);
  assert.match(reasons, /go by effort, not heart rate/);
  assert.doesNotMatch(await cal.textContent('#tier-result'), RULE_CODE);

  // Home says why, in the same plain words.
  await cal.goto(`${base}/`);
  await cal.waitForSelector('#needs-clearance');
  const home = await cal.textContent('#screening-reasons');
  assert.match(home, /slows your heart/);
  assert.doesNotMatch(home, RULE_CODE);

  // Linked, the clinician sees the answers and the reasons with their rules.
  await cal.goto(`${base}/settings`);
  await cal.fill('#invite-code', code);
  await cal.click('#accept-invite');
  await cal.waitForSelector('#invite-result:not([hidden])');
  await doc.goto(`${base}/clinician`);
  const row = doc.locator('a.patient-row[data-patient="Cal Reyes"]');
  await row.waitFor();
  await row.click();
  await doc.waitForSelector('#patient-screening');
  const answers = await doc.textContent('#screening-answers');
  assert.match(answers, /ACL reconstruction \(operation 4 months ago\)/);
  assert.match(answers, /Medicine that slows the heart/);
  assert.match(answers, /Regular: 30 min/);
  const why = await doc.textContent('#patient-screening #screening-reasons');
  assert.match(why, /SCR-05/);
  assert.match(why, /SCR-16/);
  assert.match(why, /go by effort/);

  // Cleared by the clinician, Cal's session page says to go by effort before the belt
  // starts, with the age-based ceiling only a backstop.
  await doc.selectOption('#clearance-tier', 'caution');
  await doc.click('#record-clearance');
  await doc.waitForFunction(() => document.querySelector('#audit')?.textContent.match(/clearance/i));
  await cal.goto(`${base}/run`);
  await cal.waitForSelector('#checklist');
  const guide = await cal.textContent('#effort-guide');
  assert.match(guide, /Go by effort, not heart rate/);
  assert.match(guide, /backstop only, not a target/);

  // Answered again (the form keeps the answers): ten years on, no medicine, inactive.
  await cal.goto(`${base}/onboarding`);
  await cal.waitForSelector('#age');
  assert.ok(await cal.isChecked('#activity-regular'), 'the stored activity is shown');
  await cal.click('label[for="activity-inactive"]');
  await cal.click('#next');
  await cal.waitForSelector('[data-step="2"]:not([hidden])');
  assert.equal(await cal.inputValue('#surgery_ago'), '4');
  assert.ok(await cal.isChecked('#heart_medicine'), 'the stored heart answer is shown');
  await cal.click('label[for="heart_medicine"]');
  await cal.fill('#surgery_ago', '10');
  await cal.selectOption('#surgery_unit', 'years');
  await cal.click('#next');
  await cal.waitForSelector('[data-step="3"]:not([hidden])');
  await cal.click('#next');
  await cal.waitForSelector('#tier-result');
  assert.equal((await cal.textContent('#tier')).trim(), 'Caution');
  const again = await cal.textContent('#reasons');
  assert.match(again, /10 years ago/);
  assert.match(again, /little or no planned exercise/);
  assert.doesNotMatch(again, RULE_CODE);
  // Without the medicine there is no effort note before the session.
  await cal.goto(`${base}/run`);
  await cal.waitForSelector('#checklist');
  assert.equal(await cal.locator('#effort-guide').count(), 0);
  assert.deepEqual(cal.errors, []);
  assert.deepEqual(doc.errors, []);
});
