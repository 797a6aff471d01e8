// Export and import from the settings page: a walker's logged session is downloaded as
// FIT, another walker imports it (with a bad file beside it, both in one request) and sees
// a result per file and the progress bar reach the end, then downloads the sessions CSV holding the import;
// a full backup is restored into a fresh account after an in-page confirmation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer, launchBrowser, newPage, signUp, onboard } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** Today in the browser's local time, as the server's local date (both run here). */
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: await readFile(path) };
}

test('download a session as FIT, import it with a bad file beside it, download the CSV', async () => {
  const base = server.url;

  // Ada logs today's session, then takes it away as a FIT file from her settings.
  const ada = await newPage(browser);
  await signUp(ada, base, { name: 'Ada Export' });
  await onboard(ada);
  const logged = await ada.evaluate(async (date) => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('rw_csrf=')).slice(8);
    const r = await fetch('/api/log', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ date, backward_min: 4, effort: 3, pain_before: 0, pain_during: 1, pain_after: 0, rails: 'light' }),
    });
    return r.status;
  }, today());
  assert.equal(logged, 200);
  await ada.goto(`${base}/settings`);
  await ada.waitForSelector('#export-card');
  const fit = await download(ada, '#dl-fit');
  assert.equal(fit.name, `retrowalk-${today()}.fit`);
  assert.equal(fit.bytes.subarray(8, 12).toString('latin1'), '.FIT', 'a FIT header');

  // Bob, on his own account, imports it and a file that is not FIT.
  const bob = await newPage(browser);
  await signUp(bob, base, { name: 'Bob Import' });
  await onboard(bob);
  await bob.goto(`${base}/settings`);
  await bob.waitForSelector('#import-card');
  const empty = await download(bob, '#dl-sessions-csv');
  assert.equal(empty.name, 'retrowalk-sessions.csv');
  const emptyLines = empty.bytes.toString('utf8').trim().split('\n');
  assert.equal(emptyLines.length, 1, 'only the header before the import');
  assert.match(emptyLines[0], /^date,/);

  await bob.setInputFiles('#fit-files', [
    { name: 'walk.fit', mimeType: 'application/octet-stream', buffer: fit.bytes },
    { name: 'shopping.txt', mimeType: 'text/plain', buffer: Buffer.from('eggs, milk, bread') },
  ]);
  // Without the answers a file cannot give, nothing is sent.
  let sent = 0;
  let contentType = '';
  bob.on('request', (r) => {
    if (r.url().includes('/api/import/fit')) { sent += 1; contentType = r.headers()['content-type'] || ''; }
  });
  await bob.click('#import-fit');
  assert.equal(sent, 0);
  await bob.fill('#imp-effort', '3');
  await bob.fill('#imp-pain-before', '0');
  await bob.fill('#imp-pain-during', '1');
  await bob.fill('#imp-pain-after', '0');
  await bob.click('#import-fit');
  await bob.waitForSelector('#import-summary:not([hidden])');
  // All the files in one request, so the server folds them in date order across files.
  assert.equal(sent, 1, 'one request for all the files');
  assert.match(contentType, /^multipart\/form-data; boundary=/);
  assert.equal(await bob.textContent('#import-summary'), 'Imported 1 of 2 files.');
  assert.equal(await bob.getAttribute('#import-progress', 'max'), '2');
  assert.equal(await bob.evaluate(() => document.querySelector('#import-progress').value), 2);
  const good = bob.locator('#import-results li[data-file="walk.fit"]');
  const bad = bob.locator('#import-results li[data-file="shopping.txt"]');
  assert.equal(await good.getAttribute('class'), 'ok');
  assert.match(await good.textContent(), new RegExp(`imported: ${today()}`));
  assert.equal(await bad.getAttribute('class'), 'error');
  assert.match(await bad.textContent(), /it imports FIT \(\.fit or \.fit\.gz\), TCX/);

  // The kept file is a logged session: it is in the CSV now.
  const after = await download(bob, '#dl-sessions-csv');
  const lines = after.bytes.toString('utf8').trim().split('\n');
  assert.equal(lines.length, 2, after.bytes.toString('utf8'));
  assert.ok(lines[1].startsWith(`${today()},`), lines[1]);

  // The progress page offers the imported session as FIT and TCX files.
  await bob.goto(`${base}/progress`);
  await bob.waitForSelector('#session-files');
  const again = await download(bob, `a[data-fit="${today()}"]`);
  assert.equal(again.bytes.subarray(8, 12).toString('latin1'), '.FIT');
  const tcx = await download(bob, `a[data-tcx="${today()}"]`);
  assert.match(tcx.bytes.toString('utf8'), /<TrainingCenterDatabase/);
  await bob.goto(`${base}/settings`);
  await bob.waitForSelector('#make-feed');

  // The calendar link: made, shown, and it serves the calendar without a cookie.
  await bob.click('#make-feed');
  await bob.waitForSelector('#feed-row:not([hidden])');
  const url = await bob.inputValue('#feed-url');
  assert.match(url, /\/calendar\/[0-9a-f]{64}\.ics$/);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/calendar/);
  assert.match(await res.text(), /BEGIN:VEVENT/);

  // Bob's clinician downloads his sessions CSV from the patient page: the same file.
  const doc = await newPage(browser);
  await signUp(doc, base, { name: 'Dr Ida Files', role: 'clinician' });
  await doc.click('#create-invite');
  await doc.waitForSelector('#invite-code');
  const code = (await doc.textContent('#invite-code')).trim();
  await bob.fill('#invite-code', code);
  await bob.click('#accept-invite');
  await bob.waitForSelector('#invite-result:not([hidden])');
  await doc.goto(`${base}/clinician`);
  await doc.locator('a.patient-row[data-patient="Bob Import"]').click();
  await doc.waitForSelector('#patient-files');
  const theirs = await download(doc, '#pdl-sessions-csv');
  assert.equal(theirs.bytes.toString('utf8'), after.bytes.toString('utf8'));
  const theirFit = await download(doc, '#pdl-fit');
  assert.equal(theirFit.bytes.subarray(8, 12).toString('latin1'), '.FIT');

  assert.deepEqual(ada.errors, []);
  assert.deepEqual(bob.errors, []);
  assert.deepEqual(doc.errors, []);
});

test('restore a full backup into a fresh account, after confirming; a damaged file changes nothing', async () => {
  const base = server.url;
  const ada = await newPage(browser);
  await signUp(ada, base, { name: 'Ada Backup' });
  await onboard(ada);
  const status = await ada.evaluate(async (date) => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('rw_csrf=')).slice(8);
    const r = await fetch('/api/log', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ date, backward_min: 5, effort: 4, pain_before: 0, pain_during: 1, pain_after: 1, rails: 'light' }),
    });
    return r.status;
  }, today());
  assert.equal(status, 200);
  await ada.goto(`${base}/settings`);
  await ada.waitForSelector('#export-card');
  const backup = await download(ada, '#dl-backup');
  assert.equal(backup.name, 'retrowalk-backup.json');
  const adaCsv = await download(ada, '#dl-sessions-csv');

  // Cara has just signed up: nothing logged yet.
  const cara = await newPage(browser);
  const caraEmail = await signUp(cara, base, { name: 'Cara Restore' });
  await cara.goto(`${base}/settings`);
  await cara.waitForSelector('#restore-form');
  let sent = 0;
  cara.on('request', (r) => { if (r.url().includes('/api/import/backup')) sent += 1; });

  // A damaged file: the answer says which field, and nothing changes.
  const damaged = JSON.parse(backup.bytes.toString('utf8'));
  damaged.events[0].seq = 5;
  await cara.setInputFiles('#backup-file', { name: 'damaged.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(damaged)) });
  await cara.click('#restore-backup');
  await cara.waitForSelector('#restore-confirm:not([hidden])');
  // Cancel sends nothing.
  await cara.click('#restore-no');
  assert.equal(await cara.isHidden('#restore-confirm'), true);
  assert.equal(sent, 0);
  await cara.click('#restore-backup');
  await cara.click('#restore-yes');
  await cara.waitForSelector('#restore-result:not([hidden])');
  assert.equal(sent, 1);
  assert.match(await cara.textContent('#restore-result'), /^Nothing was changed: events\[0\]\.seq: expected 1, found 5/);
  assert.equal(await cara.getAttribute('#restore-result', 'class'), 'reason error');

  // The real file, confirmed: her account now holds Ada's training.
  await cara.setInputFiles('#backup-file', { name: 'retrowalk-backup.json', mimeType: 'application/json', buffer: backup.bytes });
  await cara.click('#restore-backup');
  await cara.click('#restore-yes');
  await cara.waitForSelector('#restore-result.ok');
  assert.match(await cara.textContent('#restore-result'), /^Restored \d+ sessions? and changes?, and 0 treadmill runs/);
  const caraCsv = await download(cara, '#dl-sessions-csv');
  assert.equal(caraCsv.bytes.toString('utf8'), adaCsv.bytes.toString('utf8'));
  const me = await cara.evaluate(async () => (await fetch('/api/me')).json());
  assert.equal(me.email, caraEmail, 'still her own account');
  assert.equal(me.has_profile, true);

  assert.deepEqual(ada.errors, []);
  assert.deepEqual(cara.errors, []);
});
