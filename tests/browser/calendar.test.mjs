// The programme calendar and the week's counter across a month's and a year's end (issue
// 11): the first week of a calendar opened on 30 Dec 2026 holds December and January and
// must name both; Home's "done of planned" counts planned sessions only, with other walks
// said apart, never "3 of 3" for one session and two extra walks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUp, call } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const log = (date) => ({
  date, backward_min: 4, effort: 4, pain_before: 0, pain_during: 1, pain_after: 1,
  dizziness: false, near_fall: false, fall: false, rails: 'light', stopped_early: null,
});

test('month headings and week counters over the year’s end', async () => {
  const base = server.url;
  const page = await newPage(browser);
  await signUp(page, base, { name: 'Yves Yearend' });
  // Mondays, Wednesdays and Fridays from Monday 28 December 2026: Fri 1 Jan is that week's third.
  await call(page, 'PUT', '/api/profile?date=2026-12-28', {
    name: 'Yves Yearend', age: 40, body_mass: 80, units: 'kmh', goal: 'fitness', knee: 'none', knee_pain: 0,
    flags: { poor_balance_or_falls: false, vestibular_or_dizziness: false, neurological: false, vision_impairment: false },
    backward_walk_test_s: null, clearance: false, schedule: { days: ['Monday', 'Wednesday', 'Friday'] },
  });
  await call(page, 'POST', '/api/log?date=2026-12-28', log('2026-12-28'));
  await call(page, 'POST', '/api/log?date=2026-12-28', log('2026-12-28'));
  await call(page, 'POST', '/api/log?date=2026-12-29', log('2026-12-29'));

  await page.goto(`${base}/programme?date=2026-12-30`);
  await page.waitForSelector('.calendar .cal-month');
  const headings = (await page.locator('.calendar .cal-month').allTextContents()).map((t) => t.trim());
  assert.deepEqual(headings, ['December 2026 – January 2027', 'February 2027']);
  assert.equal((await page.textContent('.cal-cell[data-date="2027-01-01"] .cal-day')).trim(), '1 Jan');
  assert.equal((await page.textContent('.cal-cell[data-date="2027-02-01"] .cal-day')).trim(), '1 Feb');
  assert.equal((await page.textContent('.cal-cell[data-date="2026-12-31"] .cal-day')).trim(), '31');
  // Each heading stands right above the week where its month's first day is.
  const firstWeekDates = await page.locator('.calendar .cal-row:not(.cal-head)').first().locator('.cal-cell').evaluateAll((cells) => cells.map((c) => c.dataset.date));
  assert.deepEqual(firstWeekDates, ['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03']);

  await page.goto(`${base}/?date=2026-12-30`);
  await page.waitForSelector('#adherence');
  assert.equal((await page.textContent('#adherence')).trim(), '1 of 3');
  assert.match(await page.textContent('#adherence-text'), /2 sessions to go\. 2 extra walks beside the plan\./);
  assert.deepEqual(page.errors, []);
});

test('a week with no planned session says so, not "1 of 0"', async () => {
  const base = server.url;
  const page = await newPage(browser);
  await signUp(page, base, { name: 'Sia Saturday' });
  await call(page, 'PUT', '/api/profile?date=2027-01-02', {
    name: 'Sia Saturday', age: 40, body_mass: 80, units: 'kmh', goal: 'fitness', knee: 'none', knee_pain: 0,
    flags: { poor_balance_or_falls: false, vestibular_or_dizziness: false, neurological: false, vision_impairment: false },
    backward_walk_test_s: null, clearance: false, schedule: { days: ['Monday', 'Wednesday', 'Friday'] },
  });
  await call(page, 'POST', '/api/log?date=2027-01-02', log('2027-01-02'));
  await page.goto(`${base}/?date=2027-01-03`);
  await page.waitForSelector('#adherence');
  assert.equal((await page.textContent('#adherence')).trim(), 'None planned');
  assert.equal((await page.textContent('#adherence-text')).trim(), 'No sessions planned this week. 1 extra walk beside the plan.');
  assert.doesNotMatch(await page.textContent('main, body'), /\b\d+ of 0\b/);
  assert.deepEqual(page.errors, []);
});
