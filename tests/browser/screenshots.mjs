// Saves PNGs of the main pages to docs/screenshots/, at a phone size (412×915, one screen
// as the person sees it) and a desktop size (whole page). Run by hand after UI changes:
//   cargo build -p retrowalk && (cd tests/browser && node screenshots.mjs)
// RETROWALK_BIN picks another binary. It seeds six weeks of history through the API
// (the `?date=` parameter moves "today"), then drives the pages like a person would.
import { mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, newPage, signUp, onboard, binaryPath, PHONE, DESKTOP, call, tickChecklist } from './lib/harness.mjs';

// SCREENSHOT_DIR writes elsewhere, to compare before replacing the committed images.
const out = process.env.SCREENSHOT_DIR
  ? resolve(process.env.SCREENSHOT_DIR)
  : resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
mkdirSync(out, { recursive: true });

const server = await startServer();
const browser = await launchBrowser();
const base = server.url;

// SCREENSHOT_FULL=1 takes phone pages whole too, to review what lies below the fold.
async function shot(page, name, { full = name.startsWith('desktop') || Boolean(process.env.SCREENSHOT_FULL) } = {}) {
  await page.waitForTimeout(200);
  await page.evaluate(() => document.querySelector('#toast')?.replaceChildren());
  const file = `${out}/${name}.png`;
  await page.screenshot({ path: file, fullPage: full });
  console.log('saved', file);
}

const iso = (d) => d.toISOString().slice(0, 10);
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Six weeks of sessions on three weekdays that include today, logged on their days. */
async function seedHistory(page) {
  const now = new Date();
  const today = new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
  const offsets = [0, 2, 4];
  const days = offsets.map((o) => WEEKDAYS[(today.getUTCDay() + o) % 7]);
  const start = new Date(today);
  start.setUTCDate(start.getUTCDate() - 42);
  await call(page, 'PUT', `/api/profile?date=${iso(start)}`, {
    name: 'Ada Lovelace', age: 58, body_mass: 72, sex: 'female', units: 'mph', goal: 'knee_rehab', knee: 'none',
    knee_pain: 1, flags: { poor_balance_or_falls: false, vestibular_or_dizziness: false, neurological: false, vision_impairment: false },
    backward_walk_test_s: null, clearance: false, schedule: { days },
  });
  let n = 0;
  for (let d = new Date(start); d < today; d.setUTCDate(d.getUTCDate() + 1)) {
    if (!days.includes(WEEKDAYS[d.getUTCDay()])) continue;
    n += 1;
    if (n === 5) continue; // one missed session
    const date = iso(d);
    const plan = await call(page, 'GET', `/api/plan/${date}?date=${date}`);
    const dizzy = n === 14;
    await call(page, 'POST', `/api/log?date=${date}`, {
      date, backward_min: plan.plan.load.backward_s / 60, effort: [3, 4, 4, 5, 3][n % 5],
      pain_before: 1, pain_during: [1, 2, 1, 2, 3, 1][n % 6], pain_after: [1, 1, 2, 1, 2, 0][n % 6],
      dizziness: dizzy, rails: 'light', stopped_early: n === 9 ? 'discomfort' : null,
      notes: dizzy ? 'Light-headed after looking back over my shoulder; used the mirror after that.'
        : n === 9 ? 'Left knee stiff on the stairs this morning.' : null,
    });
  }
}

try {
  // A person with six weeks behind them.
  const first = await newPage(browser, PHONE);
  await first.goto(`${base}/signup`);
  await first.waitForSelector('#submit');
  await shot(first, 'phone-signup');
  // The form's own checks, before anything is sent.
  await first.fill('#email', 'ada.example.com');
  await first.fill('#password', 'short');
  await first.click('#submit');
  await first.waitForSelector('#password-error:not([hidden])');
  await shot(first, 'phone-signup-checks');
  await first.goto(`${base}/signin`);
  await first.click('#forgot summary');
  await shot(first, 'phone-signin-forgot');
  const ada = await newPage(browser, PHONE);
  await ada.clock.install();
  await signUp(ada, base, { name: 'Ada Lovelace', email: 'ada@example.com' });
  await seedHistory(ada);
  await ada.goto(`${base}/`);
  await ada.waitForSelector('#next-session');
  await shot(ada, 'phone-home');
  // The same page in the dark theme, and at 200% text (the phone's largest text setting).
  await ada.emulateMedia({ colorScheme: 'dark' });
  await shot(ada, 'phone-home-dark');
  await ada.emulateMedia({ colorScheme: 'light' });
  await ada.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
  await shot(ada, 'phone-home-text-200');
  await ada.evaluate(() => { document.documentElement.style.fontSize = ''; });
  await ada.goto(`${base}/programme`);
  await ada.waitForSelector('.calendar');
  await shot(ada, 'phone-programme');
  await ada.goto(`${base}/progress`);
  await ada.waitForSelector('.chart');
  await shot(ada, 'phone-progress');
  await ada.goto(`${base}/`);
  await ada.click('#start-session');
  await ada.waitForSelector('#checklist input[data-check]', { state: 'attached' });
  await ada.click(`label[for="${await ada.locator('#checklist input[data-check]').first().getAttribute('id')}"]`);
  await shot(ada, 'phone-runner-checklist');
  await ada.evaluate(() => document.querySelector('#posture-figure').scrollIntoView({ block: 'center' }));
  await shot(ada, 'phone-runner-posture');
  await tickChecklist(ada);
  await ada.click('label[for="chk-safety_key"]'); // it was ticked twice: tick it again
  await ada.click('#start');
  await ada.waitForSelector('#runner:not([hidden])');
  // 5 s into the turn after the 3-minute warm-up: the turning drawing shows.
  await ada.clock.runFor(185_000);
  await ada.waitForSelector('#turn-figure');
  await shot(ada, 'phone-runner-turn');
  await ada.clock.runFor(77_000);
  await shot(ada, 'phone-runner-running');
  await ada.click('#stop');
  await ada.waitForSelector('#stop-sheet:not([hidden])');
  await shot(ada, 'phone-runner-stop');
  await ada.click('#stop-sheet button[data-reason="discomfort"]');
  await ada.waitForURL(/\/log/);
  await ada.click('label[for="effort-4"]');
  await ada.click('label[for="pain_during-2"]');
  await ada.click('label[for="pain_after-1"]');
  await ada.evaluate(() => window.scrollTo(0, 0)); // the form as it opens, not where the last tap left it
  await shot(ada, 'phone-log-form');
  await ada.click('#save-log');
  await ada.waitForSelector('#log-result');
  await shot(ada, 'phone-log-result');
  // The next morning (the API's ?date= moves "today"): the knee check comes first.
  const tomorrow = new Date();
  tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
  await ada.goto(`${base}/?date=${iso(tomorrow)}`);
  await ada.waitForSelector('#morning-check');
  await shot(ada, 'phone-morning-check');

  // A new person with a knee condition: the screening result explains the tier.
  const ben = await newPage(browser, PHONE);
  await signUp(ben, base, { name: 'Ben Carter', email: 'ben.carter@example.com' });
  await ben.fill('#age', '67');
  await ben.fill('#mass', '88');
  await ben.click('label[for="activity-some"]');
  await ben.click('#next');
  await ben.selectOption('#knee', 'osteoarthritis');
  await ben.click('label[for="knee_pain-4"]');
  await shot(ben, 'phone-onboarding-questions');
  await ben.click('#next');
  await ben.click('#next');
  await ben.waitForSelector('#tier-result');
  await shot(ben, 'phone-onboarding-tier');

  // The clinician links both.
  const doc = await newPage(browser, PHONE);
  await signUp(doc, base, { name: 'Dr Rosa Lind', role: 'clinician', email: 'rosa.lind@clinic.example' });
  for (const p of [ada, ben]) {
    await doc.click('#create-invite');
    await doc.waitForSelector('#invite-code');
    const code = (await doc.textContent('#invite-code')).trim();
    await p.goto(`${base}/settings`);
    await p.fill('#invite-code', code);
    await p.click('#accept-invite');
    await p.waitForSelector('#invite-result:not([hidden])');
    if (p === ada) await shot(p, 'phone-settings');
    await doc.evaluate(() => document.querySelector('#invite-out')?.setAttribute('hidden', ''));
  }
  // One more code, shown as a QR code, beside the two that were used.
  await doc.goto(`${base}/clinician`);
  await doc.click('#create-invite');
  await doc.waitForFunction(() => document.querySelectorAll('#invites li').length === 3);
  // A new code comes with its QR code; the list below names each code's state.
  await doc.waitForFunction(() => [...document.querySelectorAll('#invite-out img')].every((i) => i.naturalWidth > 0));
  await doc.evaluate(() => document.querySelector('#create-invite').scrollIntoView());
  await shot(doc, 'phone-clinician-invites');
  await ada.goto(`${base}/settings`);
  await ada.waitForSelector('.clinician-item');
  await ada.locator('.clinician-item').first().scrollIntoViewIfNeeded();
  await shot(ada, 'phone-settings-clinician');
  await doc.goto(`${base}/clinician`);
  await doc.waitForSelector('.patient-row');
  await shot(doc, 'phone-clinician-patients');
  await doc.click('.patient-row[data-patient="Ada Lovelace"]');
  await doc.waitForSelector('#caps-form');
  await doc.fill('#cap-speed', '1.5');
  await doc.click('#save-caps');
  await doc.waitForFunction(() => document.querySelector('#audit')?.textContent.includes('max speed'));
  await shot(doc, 'phone-clinician-patient');

  const dw = await newPage(browser, DESKTOP);
  await dw.context().addCookies(await doc.context().cookies());
  await dw.goto(`${base}/clinician`);
  await dw.waitForSelector('.patient-row');
  await shot(dw, 'desktop-clinician-patients');
  await dw.click('.patient-row[data-patient="Ada Lovelace"]');
  await dw.waitForSelector('#caps-form');
  await shot(dw, 'desktop-clinician-patient');
  const aw = await newPage(browser, DESKTOP);
  await aw.context().addCookies(await ada.context().cookies());
  await aw.goto(`${base}/`);
  await aw.waitForSelector('#last-adaptation');
  await shot(aw, 'desktop-home');
  await aw.goto(`${base}/progress`);
  await aw.waitForSelector('.chart');
  await shot(aw, 'desktop-progress');
  await aw.goto(`${base}/`);
  await aw.click('#start-session');
  await tickChecklist(aw);
  await aw.click('label[for="treadmill-sim"]');
  await aw.click('#start');
  await aw.waitForSelector('#runner:not([hidden])');
  await aw.waitForTimeout(3500);
  await shot(aw, 'desktop-runner-running', { full: false });
  await aw.click('#stop');

  // The simulated treadmill, then the connection drops: the server stops the belt when the
  // heartbeats stop, and the page says so once the belt has stopped.
  const cy = await newPage(browser, PHONE);
  await signUp(cy, base, { name: 'Cy Offline' });
  await onboard(cy, { units: 'kmh' });
  await cy.click('#to-home');
  await cy.click('#start-session');
  await tickChecklist(cy);
  await cy.click('label[for="treadmill-sim"]');
  await cy.click('#start');
  await cy.waitForFunction(() => /\d/.test(document.querySelector('#live-speed')?.textContent || ''));
  await cy.context().setOffline(true);
  await cy.waitForSelector('#stop-sheet:not([hidden])', { timeout: 20000 });
  await shot(cy, 'phone-runner-connection-lost');
  await cy.context().setOffline(false);

  // A one-time reset link from the server's administrator (`retrowalk user reset-password`).
  const out = execFileSync(binaryPath(), ['--db', server.db, '--json', 'user', 'reset-password', 'ada@example.com', '--url', base], { encoding: 'utf8' });
  const reset = await newPage(browser, PHONE);
  await reset.goto(JSON.parse(out).link);
  await reset.fill('#password', 'a new long passphrase');
  await reset.fill('#password2', 'a new long passphrasf');
  await reset.click('#submit');
  await reset.waitForSelector('#password2-error:not([hidden])');
  await shot(reset, 'phone-reset-password');

  // A reload in the middle of a session: Home offers to resume it or log what was walked.
  const gus = await newPage(browser, PHONE);
  await signUp(gus, base, { name: 'Gus Reload' });
  await onboard(gus, { units: 'kmh' });
  await gus.click('#to-home');
  await gus.click('#start-session');
  await tickChecklist(gus);
  await gus.click('#start');
  await gus.waitForFunction(() => /^0:0[3-9]$/.test(document.querySelector('#elapsed').textContent));
  gus.on('dialog', (d) => d.accept().catch(() => {}));
  await gus.reload();
  await gus.goto(`${base}/`);
  await gus.waitForSelector('#left-session');
  await shot(gus, 'phone-home-left-session');
} finally {
  await browser.close();
  await server.stop();
}
