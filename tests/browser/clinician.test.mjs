// A clinician links a patient by invite code, sees a safety flag, caps the speed, and the
// patient's next session respects the cap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, onboard, number } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('clinician invites, sees a flag, caps speed; the patient’s next session respects it', async () => {
  const base = server.url;
  const doc = await newPage(browser);
  await signUp(doc, base, { name: 'Dr Rosa Lind', role: 'clinician' });
  await doc.click('#create-invite');
  await doc.waitForSelector('#invite-code');
  const code = (await doc.textContent('#invite-code')).trim();
  assert.ok(code.length >= 6, `invite code ${code}`);

  const pat = await newPage(browser);
  await signUp(pat, base, { name: 'Ben Patient' });
  // A fast 3-m backward walk test starts at the standard tier's top start speed, so a
  // cap well below it is visible even after a step back.
  assert.equal((await onboard(pat, { walkTest: 1.5 })).trim(), 'Standard');
  await pat.goto(`${base}/settings`);
  await pat.fill('#invite-code', code);
  await pat.click('#accept-invite');
  await pat.waitForSelector('#invite-result:not([hidden])');
  assert.match(await pat.textContent('#invite-result'), /Dr Rosa Lind/);

  // A session with dizziness: the clinician must see it flagged.
  await pat.goto(`${base}/log`);
  await pat.click('label[for="effort-5"]');
  await pat.click('label[for="dizziness"]');
  await pat.fill('#notes', 'Dizzy after turning to look back at the belt');
  await pat.click('#save-log');
  await pat.waitForSelector('#log-result');
  const before = number(await pat.textContent('#next-session #fact-speed'));

  await doc.goto(`${base}/clinician`);
  const row = doc.locator('a.patient-row[data-patient="Ben Patient"]');
  await row.waitFor();
  assert.match(await row.textContent(), /Dizziness on/);
  assert.equal(await row.locator('[data-flag="safety_event"]').count(), 1);
  await row.click();
  await doc.waitForSelector('#caps-form');
  assert.equal((await doc.textContent('#patient-name')).trim(), 'Ben Patient');
  // The note typed in the log form was kept and sits under its session.
  assert.equal((await doc.textContent('#history .session-note')).trim(), 'Dizzy after turning to look back at the belt');

  // A second tab on the same page goes stale once the first saves.
  const stale = await newPage(browser);
  await stale.context().addCookies(await doc.context().cookies());
  await stale.goto(doc.url());
  await stale.waitForSelector('#caps-form');

  const cap = Math.round((before - 0.4) * 10) / 10;
  assert.ok(cap >= 0.5, `the next session (${before} mph) leaves room for a cap`);
  await doc.fill('#cap-speed', String(cap));
  await doc.click('#save-caps');
  await doc.waitForFunction((c) => document.querySelector('#audit')?.textContent.includes(`max speed ${c}`), cap.toFixed(1));
  assert.equal((await doc.textContent('#caps-in-force')).trim(), `max speed ${cap.toFixed(1)} mph`);

  await pat.goto(`${base}/`);
  await pat.waitForSelector('#next-session');
  const shown = await pat.textContent('#fact-speed');
  assert.match(shown, /mph$/);
  assert.ok(number(shown) <= cap, `next session ${shown} must respect the cap ${cap} mph`);
  assert.match(await pat.textContent('#clinician-changes'), new RegExp(`max speed ${cap.toFixed(1)} mph`));

  // The stale tab's edit is refused; it says so and reloads the current limits.
  await stale.fill('#cap-speed', '0.5');
  await stale.click('#save-caps');
  await stale.waitForSelector('.toast');
  assert.match(await stale.textContent('.toast'), /someone else changed this; reloaded/i);
  await stale.waitForFunction((c) => document.querySelector('#cap-speed')?.value === c, cap.toFixed(1).replace(/\.0$/, ''));
  await pat.reload();
  await pat.waitForSelector('#next-session');
  assert.ok(number(await pat.textContent('#fact-speed')) <= cap, 'the refused edit changed nothing');
  // Pausing shows on the patient's home at once; resuming brings the session back.
  await doc.reload();
  await doc.fill('#pause-reason', 'Review the dizziness first');
  await doc.click('#pause-programme');
  await doc.waitForSelector('#resume');
  assert.equal((await doc.textContent('#paused-text')).trim(), 'Paused by a clinician: Review the dizziness first.');
  await pat.reload();
  await pat.waitForSelector('#paused');
  assert.equal(await pat.isVisible('#start-session'), false);
  // The clinician's reason is what the patient reads, on the paused card and in the trail.
  assert.match(await pat.textContent('#paused'), /by your clinician: Review the dizziness first/);
  assert.match(await pat.textContent('#clinician-changes'), /Paused the programme · Dr Rosa Lind · .*Review the dizziness first/);
  await doc.click('#resume');
  await doc.waitForSelector('#pause-programme');
  assert.match(await doc.textContent('#audit'), /Paused the programme/);
  await pat.reload();
  await pat.waitForSelector('#start-session');
  assert.deepEqual(doc.errors, []);
  assert.deepEqual(pat.errors, []);
});

test('a patient who needs clearance starts once their clinician records it', async () => {
  const base = server.url;
  const doc = await newPage(browser);
  await signUp(doc, base, { name: 'Dr Ida Moss', role: 'clinician' });
  await doc.click('#create-invite');
  await doc.waitForSelector('#invite-code');
  const code = (await doc.textContent('#invite-code')).trim();

  const pat = await newPage(browser);
  await signUp(pat, base, { name: 'Cleo Needs' });
  assert.equal((await onboard(pat, { flags: ['flag_dizzy'] })).trim(), 'Clearance required');
  assert.match(await pat.textContent('#tier-result'), /inner-ear|dizziness/i);
  assert.match(await pat.textContent('#tier-result'), /starts after clearance/i);
  await pat.goto(`${base}/`);
  await pat.waitForSelector('#needs-clearance');
  assert.equal(await pat.isVisible('#start-session'), false);
  await pat.goto(`${base}/settings`);
  await pat.fill('#invite-code', code.toLowerCase());
  await pat.click('#accept-invite');
  await pat.waitForSelector('#invite-result:not([hidden])');

  await doc.goto(`${base}/clinician`);
  const row = doc.locator('a.patient-row[data-patient="Cleo Needs"]');
  await row.waitFor();
  assert.equal(await row.locator('[data-flag="needs_clearance"]').count(), 1);
  await row.click();
  await doc.waitForSelector('#record-clearance');
  await doc.fill('#clearance-note', 'Vestibular assessment normal');
  await doc.click('#record-clearance');
  await doc.waitForFunction(() => /clearance/i.test(document.querySelector('#audit')?.textContent || ''));
  assert.equal((await doc.textContent('#audit .audit-note')).trim(), 'Vestibular assessment normal');

  await pat.goto(`${base}/`);
  await pat.waitForSelector('#start-session');
  await pat.click('#start-session');
  await pat.waitForSelector('#checklist input[data-check]', { state: 'attached' });
  // Cleared from the highest tier, the sessions are supervised: a spotter and the rails.
  assert.equal(await pat.locator('#chk-spotter').count(), 1);
  assert.equal(await pat.locator('#chk-continuous_rails').count(), 1);

  // The clinician moves the patient to the caution tier; the patient sees the new tier.
  await doc.reload();
  await doc.selectOption('#tier-select', 'caution');
  await doc.click('#change-tier');
  await doc.waitForFunction(() => /Changed tier to caution/i.test(document.querySelector('#audit')?.textContent || ''));
  await pat.goto(`${base}/`);
  await pat.waitForSelector('#next-session');
  assert.match(await pat.textContent('.page-head .mini-badge'), /^Caution$/);
  assert.deepEqual(doc.errors, []);
  assert.deepEqual(pat.errors, []);
});

test('a new clinician waits for approval until the server administrator approves them', async () => {
  // A server of its own, so its first account (the administrator) is known here.
  const own = await startServer();
  try {
    const base = own.url;
    const admin = await newPage(browser);
    await signUp(admin, base, { name: 'Owner Admin' });
    const doc = await newPage(browser);
    const email = await signUp(doc, base, { name: 'Dr New Comer', role: 'clinician', approve: false });
    await doc.waitForSelector('#awaiting-approval');
    assert.equal(await doc.isVisible('#create-invite'), false);

    await admin.goto(`${base}/settings`);
    const row = admin.locator(`li[data-clinician="${email}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /waiting for approval/);
    await admin.click(`button[data-approve="${email}"]`);
    await admin.waitForFunction((e) => /approved/.test(document.querySelector(`li[data-clinician="${e}"]`)?.textContent || '')
      && !/waiting/.test(document.querySelector(`li[data-clinician="${e}"]`)?.textContent || ''), email);

    await doc.reload();
    await doc.waitForSelector('#create-invite');
    assert.deepEqual([...doc.errors, ...admin.errors], []);
  } finally {
    await own.stop();
  }
});
