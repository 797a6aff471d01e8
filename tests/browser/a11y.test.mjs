// Accessibility of every page, as a walker and as a clinician meet them: axe-core finds no
// violation (WCAG 2.1 A and AA, and axe's best practices) in the light theme or the dark one,
// and at 200% text size no page scrolls sideways, the tab labels stay apart, the runner's
// figures stay in their tiles and the STOP sheet fits on the screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, newPage, signUp, onboard, daysFromToday, PHONE, DESKTOP } from './lib/harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** axe's violations on the page as it is, one line each. Injected through the debugger
 * protocol (page.evaluate), which the page's Content-Security-Policy does not govern. */
async function axe(page) {
  await page.evaluate(AXE);
  // AXE_DETAIL=1 adds axe's reasons to each line, to see why a node fails.
  const found = await page.evaluate(async ({ tags, detail }) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}${detail ? ` [${n.failureSummary}]` : ''}`).join(', ')}`);
  }, { tags: TAGS, detail: Boolean(process.env.AXE_DETAIL) });
  return found;
}

/** What does not fit at 200% text on this page (empty when all is well). */
async function at200(page) {
  return page.evaluate(() => {
    const out = [];
    const root = document.documentElement;
    const old = root.style.fontSize;
    root.style.fontSize = '200%';
    try {
      if (root.scrollWidth > window.innerWidth) {
        // Named for the failure message: what sticks out, leaving aside what scrolls
        // inside its own box (a wide table in its scroller).
        const clipped = (e) => {
          for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') return true;
          }
          return false;
        };
        const wide = [...document.querySelectorAll('body *')].filter((e) => {
          const r = e.getBoundingClientRect();
          return r.width > 0 && (r.right > window.innerWidth + 1 || e.scrollWidth > e.clientWidth + 1) && !clipped(e)
            && getComputedStyle(e).overflowX === 'visible';
        }).slice(0, 4).map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${[...e.classList].join('.')}`);
        out.push(`scrolls sideways: ${root.scrollWidth} > ${window.innerWidth} (${wide.join(', ')})`);
      }
      const labels = [...document.querySelectorAll('#tabs .tab > span:not(.icon)')];
      const boxes = labels.map((e) => e.getBoundingClientRect());
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i], boxes[j]];
          const meet = a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
          if (meet) out.push(`tab labels "${labels[i].textContent}" and "${labels[j].textContent}" overlap`);
        }
      }
      for (const tab of document.querySelectorAll('#tabs .tab')) {
        if (tab.scrollWidth > tab.clientWidth + 1) out.push(`tab "${tab.textContent}" is cut off`);
      }
      for (const tile of document.querySelectorAll('.runner:not([hidden]) .tile')) {
        const t = tile.getBoundingClientRect();
        for (const c of tile.querySelectorAll('*')) {
          const r = c.getBoundingClientRect();
          if (r.width && (r.right > t.right + 1 || r.left < t.left - 1)) out.push(`"${c.textContent}" sticks out of its tile`);
        }
      }
      const sheet = document.querySelector('#stop-sheet:not([hidden]) .sheet');
      if (sheet) {
        const r = sheet.getBoundingClientRect();
        const fits = r.top >= -0.5 && r.bottom <= window.innerHeight + 0.5 && r.left >= -0.5 && r.right <= window.innerWidth + 0.5;
        // A sheet taller than the screen must scroll within itself to reach every reason.
        const scrolls = sheet.scrollHeight > sheet.clientHeight && getComputedStyle(sheet).overflowY !== 'visible' && r.top >= -0.5 && r.bottom <= window.innerHeight + 0.5;
        if (!fits && !scrolls) out.push(`STOP sheet outside the screen: top ${r.top}, bottom ${r.bottom} of ${window.innerHeight}`);
        const last = [...sheet.querySelectorAll('button')].pop();
        if (last) {
          last.scrollIntoView({ block: 'nearest' });
          const b = last.getBoundingClientRect();
          if (b.bottom > window.innerHeight + 0.5 || b.top < -0.5) out.push('the last STOP reason cannot be reached');
        }
      }
    } finally {
      root.style.fontSize = old;
    }
    return out;
  });
}

/** Checks one page in both themes and at 200% text, adding what fails to `problems`. */
async function check(page, name, problems) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    // A theme switch starts colour transitions; axe must see where they end, not halfway.
    await page.evaluate(() => document.getAnimations().forEach((a) => a.finish()));
    for (const v of await axe(page)) problems.axe.push(`${name} (${scheme}) ${v}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.evaluate(() => document.getAnimations().forEach((a) => a.finish()));
  for (const p of await at200(page)) problems.text.push(`${name}: ${p}`);
}

const fresh = () => ({ axe: [], text: [] });

function assertNone(problems) {
  const all = [...problems.axe.map((p) => `axe: ${p}`), ...problems.text.map((p) => `200% text: ${p}`)];
  assert.deepEqual(all, [], all.join('\n'));
}

test('a walker\'s pages: no axe violations in either theme, and everything fits at 200% text', async () => {
  const problems = fresh();
  const page = await newPage(browser);
  await page.goto(`${server.url}/signin`);
  await page.waitForSelector('#email');
  await check(page, 'sign in', problems);
  await page.goto(`${server.url}/signup`);
  await page.waitForSelector('#name');
  await check(page, 'sign up', problems);

  await page.goto(`${server.url}/reset-password`);
  await page.waitForSelector('.page-reset h1');
  await check(page, 'reset password', problems);

  await signUp(page, server.url, { name: 'Ada Access' });
  // The screening, step by step (lib/harness.mjs onboard() does the same in one go).
  await page.waitForSelector('#age');
  await check(page, 'screening step 1', problems);
  await page.fill('#age', '52');
  await page.fill('#mass', '74');
  await page.click('label[for="units-kmh"]');
  await page.click('label[for="activity-some"]');
  await page.click('#next');
  await page.waitForSelector('[data-step="2"]:not([hidden])');
  await check(page, 'screening step 2', problems);
  await page.click('#next');
  await page.waitForSelector('[data-step="3"]:not([hidden])');
  await check(page, 'screening step 3', problems);
  const days = daysFromToday();
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) {
    if ((await page.locator(`#day-${day}`).isChecked()) !== days.includes(day)) await page.click(`label[for="day-${day}"]`);
  }
  await page.click('#next');
  await page.waitForSelector('#tier-result');
  await check(page, 'screening result', problems);
  await page.click('#to-home');
  await page.waitForSelector('#next-session');
  await check(page, 'home', problems);
  // The banner that says the page shows what was last loaded.
  await page.evaluate(() => window.dispatchEvent(new CustomEvent('rw-connection', { detail: false })));
  await page.waitForSelector('#offline-banner', { state: 'visible' });
  await check(page, 'home offline', problems);
  await page.evaluate(() => window.dispatchEvent(new CustomEvent('rw-connection', { detail: true })));
  for (const [path, ready, name] of [['/programme', '#session-list', 'programme'], ['/progress', '.page-progress h1', 'progress'], ['/settings', '.page-settings h1', 'settings']]) {
    await page.click(`a.tab[href="${path}"]`);
    await page.waitForSelector(ready);
    await check(page, name, problems);
  }

  await page.goto(`${server.url}/`);
  await page.click('#start-session');
  await page.waitForSelector('#checklist input[data-check]', { state: 'attached' });
  await check(page, 'runner checklist', problems);
  const boxes = page.locator('#checklist input[data-check]');
  for (let i = 0; i < await boxes.count(); i++) await page.click(`label[for="${await boxes.nth(i).getAttribute('id')}"]`);
  await page.click('#start');
  await page.waitForSelector('#runner:not([hidden])');
  await check(page, 'runner', problems);
  await page.click('#stop');
  await page.waitForSelector('#stop-sheet:not([hidden])');
  await check(page, 'STOP sheet', problems);
  await page.click('#stop-sheet [data-reason="discomfort"]');
  await page.waitForURL(/\/log\?/);
  await page.waitForSelector('#save-log');
  await check(page, 'log form', problems);
  await page.click('label[for="effort-3"]');
  await page.click('#save-log');
  await page.waitForSelector('#log-result');
  await check(page, 'log result', problems);
  // The next morning (?date= moves "today"): the knee check.
  const tomorrow = new Date();
  tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
  await page.goto(`${server.url}/?date=${tomorrow.toISOString().slice(0, 10)}`);
  await page.waitForSelector('#morning-check');
  await check(page, 'morning check', problems);
  // A desktop's layout: the tabs move into the top bar, the grids widen.
  await page.setViewportSize(DESKTOP);
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#next-session');
  await check(page, 'home (desktop)', problems);
  await page.goto(`${server.url}/progress`);
  await page.waitForSelector('.page-progress h1');
  await check(page, 'progress (desktop)', problems);
  await page.setViewportSize(PHONE);
  assertNone(problems);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a clinician\'s pages: no axe violations in either theme, and everything fits at 200% text', async () => {
  const problems = fresh();
  const doc = await newPage(browser);
  await signUp(doc, server.url, { name: 'Dr Ida Access', role: 'clinician' });
  await doc.click('#create-invite');
  await doc.waitForSelector('#invite-code');
  const code = (await doc.textContent('#invite-code')).trim();
  await check(doc, 'patient list', problems);

  const pat = await newPage(browser);
  await signUp(pat, server.url, { name: 'Pia Patient' });
  await onboard(pat);
  await pat.goto(`${server.url}/settings`);
  await pat.fill('#invite-code', code);
  await pat.click('#accept-invite');
  await pat.waitForSelector('#invite-result:not([hidden])');
  await pat.goto(`${server.url}/log`);
  await pat.click('label[for="effort-5"]');
  await pat.click('#save-log');
  await pat.waitForSelector('#log-result');

  await doc.goto(`${server.url}/clinician`);
  await doc.click('a.patient-row[data-patient="Pia Patient"]');
  await doc.waitForSelector('#caps-form');
  await check(doc, 'patient page', problems);
  assertNone(problems);
  assert.deepEqual(doc.errors, []);
  await doc.context().close();
  await pat.context().close();
});
