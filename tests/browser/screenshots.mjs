// Saves PNGs of the main pages to docs/screenshots/, at a phone size and a desktop size.
// Run by hand after UI changes, from tests/browser:
//   cargo build -p retrowalk && node screenshots.mjs
// (RETROWALK_BIN picks another binary; RETROWALK_URL uses an already running server.)
import { mkdirSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, newPage, signUp, onboard, PHONE, DESKTOP } from './lib/harness.mjs';

const out = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
mkdirSync(out, { recursive: true });

const server = process.env.RETROWALK_URL ? { url: process.env.RETROWALK_URL, stop: async () => {} } : await startServer();
const browser = await launchBrowser();
const base = server.url;

// Phone shots show one screen, as the person sees it; desktop shots show the whole page.
async function shot(page, name, { full = name.startsWith('desktop') } = {}) {
  await page.evaluate(() => document.fonts && document.fonts.ready);
  await page.waitForTimeout(150);
  const file = `${out}/${name}.png`;
  await page.screenshot({ path: file, fullPage: full });
  console.log('saved', file);
}

async function walkerFlow(viewport, tag) {
  const page = await newPage(browser, viewport);
  await page.clock.install();
  await signUp(page, base, { name: 'Ada Lovelace' });
  await onboard(page, { age: 58, massKg: 72, units: 'mph', walkTest: 2.2 });
  await shot(page, `${tag}-onboarding-tier`);
  await page.click('#to-home');
  await page.waitForSelector('#next-session');
  await shot(page, `${tag}-home`);
  await page.click('#start-session');
  await page.waitForSelector('#checklist');
  const boxes = page.locator('#checklist input[data-check]');
  for (let i = 0; i < 3; i++) await page.click(`label[for="${await boxes.nth(i).getAttribute('id')}"]`);
  await shot(page, `${tag}-runner-checklist`);
  const n = await boxes.count();
  for (let i = 3; i < n; i++) await page.click(`label[for="${await boxes.nth(i).getAttribute('id')}"]`);
  await page.click('label[for="treadmill-sim"]');
  await page.click('#start');
  await page.waitForSelector('#runner:not([hidden])');
  await page.clock.runFor(262_000);
  await page.waitForTimeout(1200);
  await shot(page, `${tag}-runner-running`);
  await page.click('#stop');
  await page.waitForSelector('#stop-sheet:not([hidden])');
  await shot(page, `${tag}-runner-stop`);
  await page.click('#stop-sheet button[data-reason="discomfort"]');
  await page.waitForURL(/\/log/);
  await page.click('label[for="effort-4"]');
  await page.click('label[for="pain_during-2"]');
  await shot(page, `${tag}-log-form`);
  await page.click('#save-log');
  await page.waitForSelector('#log-result');
  await shot(page, `${tag}-log-result`);
  await page.goto(`${base}/programme`);
  await page.waitForSelector('.calendar');
  await shot(page, `${tag}-programme`);
  await page.goto(`${base}/progress`);
  await page.waitForSelector('.stat-row');
  await shot(page, `${tag}-progress`);
  return page;
}

async function clinicianFlow(viewport, tag, code) {
  const page = await newPage(browser, viewport);
  await signUp(page, base, { name: 'Dr Rosa Lind', role: 'clinician' });
  await page.click('#create-invite');
  await page.waitForSelector('#invite-code');
  return page;
}

try {
  const walker = await walkerFlow(PHONE, 'phone');
  const doc = await clinicianFlow(PHONE, 'phone');
  const code = (await doc.textContent('#invite-code')).trim();
  await walker.goto(`${base}/settings`);
  await walker.fill('#invite-code', code);
  await walker.click('#accept-invite');
  await walker.waitForSelector('#invite-result:not([hidden])');
  await doc.goto(`${base}/clinician`);
  await doc.waitForSelector('.patient-row');
  await shot(doc, 'phone-clinician-patients');
  await doc.click('.patient-row');
  await doc.waitForSelector('#caps-form');
  await shot(doc, 'phone-clinician-patient');

  const dw = await newPage(browser, DESKTOP);
  await dw.context().addCookies(await doc.context().cookies());
  await dw.goto(`${base}/clinician`);
  await dw.waitForSelector('.patient-row');
  await shot(dw, 'desktop-clinician-patients');
  await dw.click('.patient-row');
  await dw.waitForSelector('#caps-form');
  await shot(dw, 'desktop-clinician-patient');
  const ww = await newPage(browser, DESKTOP);
  await ww.context().addCookies(await walker.context().cookies());
  await ww.goto(`${base}/`);
  await ww.waitForSelector('#next-session');
  await shot(ww, 'desktop-home');
  await ww.goto(`${base}/progress`);
  await ww.waitForSelector('.stat-row');
  await shot(ww, 'desktop-progress');
} finally {
  await browser.close();
  await server.stop();
}
