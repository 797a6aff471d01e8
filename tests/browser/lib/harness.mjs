// Starts the real retrowalk binary on a free port with a fresh database, and Debian's
// Chromium through playwright-core; both are torn down by the caller's `after` hook.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

export function binaryPath() {
  const bin = process.env.RETROWALK_BIN || resolve(here, '../../../target/debug/retrowalk');
  if (!existsSync(bin)) {
    throw new Error(`retrowalk binary not found at ${bin}: build it (cargo build -p retrowalk) or set RETROWALK_BIN`);
  }
  return bin;
}

// Each running server's database, by its URL, so a test's clinicians can be approved.
const databases = new Map();

export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'rw-browser-'));
  const child = spawn(binaryPath(), ['serve', '--addr', '127.0.0.1:0', '--db', join(dir, 't.db')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not report its address in 30 s\nstdout: ${out}\nstderr: ${stderr}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /retrowalk listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolveUrl(m[1].replace(/\/$/, '')); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited early (${code})\n${stderr}`)); });
  });
  child.stdout.resume();
  databases.set(url, join(dir, 't.db'));
  return {
    url,
    db: join(dir, 't.db'),
    get stderr() { return stderr; },
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const PHONE = { width: 412, height: 915 };
export const DESKTOP = { width: 1366, height: 900 };

/** A fresh, isolated browser profile (cookies, storage) at a phone size. `options` go to
 * the context; `{ serviceWorkers: 'block' }` for a test that stubs the network with
 * page.route, which does not see the requests the app's service worker makes. */
export async function newPage(browser, viewport = PHONE, options = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-GB', ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.errors = errors;
  return page;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Training days that include today, so the first session can be run and logged today. */
export function daysFromToday(offsets = [0, 2]) {
  const d = new Date().getDay();
  return offsets.map((o) => WEEKDAYS[(d + o) % 7]);
}

let seq = 0;
export function uniqueEmail(who) {
  seq += 1;
  return `${who}.${process.pid}.${Date.now()}.${seq}@example.test`;
}

export async function signUp(page, base, { name, role = 'walker', email = uniqueEmail(role), approve = true }) {
  await page.goto(`${base}/signup`);
  await page.fill('#name', name);
  await page.fill('#email', email);
  await page.fill('#password', 'correct horse battery');
  await page.click(`label[for="role-${role}"]`);
  await page.click('#submit');
  await page.waitForURL(role === 'clinician' ? /\/clinician$/ : /\/onboarding$/);
  if (role === 'clinician' && approve) {
    // Clinicians wait for a server administrator's approval (issue 14); the tests approve
    // theirs the way an operator would, then reload the page they were shown.
    execFileSync(binaryPath(), ['--db', databases.get(base), 'admin', 'approve', email], { stdio: 'pipe' });
    await page.reload();
    await page.waitForSelector('#create-invite');
  }
  return email;
}

/** Answers the screening questionnaire; returns the tier text shown. */
export async function onboard(page, { age = 52, massKg = 74, units = 'mph', activity = 'some', walkTest = null, flags = [], days = daysFromToday() } = {}) {
  await page.fill('#age', String(age));
  await page.fill('#mass', String(massKg));
  await page.click(`label[for="units-${units}"]`);
  await page.click(`label[for="activity-${activity}"]`);
  await page.click('#next');
  await page.waitForSelector('[data-step="2"]:not([hidden])');
  if (walkTest !== null) await page.fill('#walk_test', String(walkTest));
  // Risk flags and heart answers are checkboxes by id (e.g. flag_dizzy, heart_medicine).
  for (const f of flags) await page.click(`label[for="${f}"]`);
  await page.click('#next');
  await page.waitForSelector('[data-step="3"]:not([hidden])');
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) {
    const box = page.locator(`#day-${day}`);
    if ((await box.isChecked()) !== days.includes(day)) await page.click(`label[for="day-${day}"]`);
  }
  await page.click('#next');
  await page.waitForSelector('#tier-result');
  return page.textContent('#tier');
}

/** "1.5 mph" → 1.5 */
export function number(text) {
  const m = /-?\d+(\.\d+)?/.exec(String(text));
  if (!m) throw new Error(`no number in ${JSON.stringify(text)}`);
  return Number(m[0]);
}

/** A JSON API call from `page`, signed in as its person (their cookie and CSRF token);
 * throws on a status that is not 2xx, so a setup step never fails silently. */
export async function call(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith('rw_csrf='))?.slice(8) || '');
    const r = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }, { method, path, body });
}

/** Ticks every item of the runner's safety checklist once it is on the page (Start stays
 * disabled until all are ticked). */
export async function tickChecklist(page) {
  await page.waitForSelector('#checklist input[data-check]', { state: 'attached' });
  const boxes = page.locator('#checklist input[data-check]');
  const n = await boxes.count();
  for (let i = 0; i < n; i++) await page.click(`label[for="${await boxes.nth(i).getAttribute('id')}"]`);
}
