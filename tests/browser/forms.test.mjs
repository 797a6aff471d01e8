// Forms check what people type before sending it, with friendly sentences under the field
// at fault; a forgotten password is reset with a one-time link from the server's admin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, launchBrowser, newPage, signUp, uniqueEmail, binaryPath } from './lib/harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** Paths of the API calls the page makes, to prove a refused form sent nothing. */
function apiCalls(page) {
  const seen = [];
  page.on('request', (r) => { const p = new URL(r.url()).pathname; if (p.startsWith('/api/') && r.method() !== 'GET') seen.push(p); });
  return seen;
}

const errorOf = (page, id) => page.textContent(`#${id}-error`);

test('sign-up: empty fields, a bad email and a short password get friendly sentences, and nothing is sent', async () => {
  const page = await newPage(browser);
  const calls = apiCalls(page);
  await page.goto(`${server.url}/signup`);
  await page.click('#submit');
  assert.match(await errorOf(page, 'name'), /^Enter your name/);
  assert.match(await errorOf(page, 'email'), /^Enter your email address/);
  assert.match(await errorOf(page, 'password'), /^Choose a password/);
  assert.equal(await page.getAttribute('#name', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'name');

  await page.fill('#name', 'Dee');
  await page.fill('#email', 'dee.example.org');
  await page.fill('#password', 'short');
  await page.click('#submit');
  assert.equal(await page.isVisible('#name-error'), false);
  assert.match(await errorOf(page, 'email'), /does not look like an email address/);
  const pw = await errorOf(page, 'password');
  assert.match(pw, /^Use at least 10 characters \(this one has 5\)/);
  assert.doesNotMatch(pw, /must be at least/);
  assert.deepEqual(calls, []);

  // The server's own refusal (a common password) lands under the field it names.
  await page.fill('#email', uniqueEmail('dee'));
  await page.fill('#password', 'password123');
  await page.click('#submit');
  await page.waitForSelector('#password-error:not([hidden])');
  assert.match(await errorOf(page, 'password'), /^That password is one of the most common ones/);
  assert.deepEqual(calls, ['/api/signup']);
  assert.deepEqual(page.errors, []);
});

test('sign-in: empty fields are caught, and "Forgot your password?" says to ask the admin', async () => {
  const page = await newPage(browser);
  const calls = apiCalls(page);
  await page.goto(`${server.url}/signin`);
  await page.click('#submit');
  assert.match(await errorOf(page, 'email'), /^Enter your email address/);
  assert.match(await errorOf(page, 'password'), /^Enter your password/);
  assert.deepEqual(calls, []);
  assert.equal(await page.isVisible('#forgot p'), false);
  await page.click('#forgot summary');
  const forgot = await page.textContent('#forgot');
  assert.match(forgot, /ask the person who runs it/);
  assert.match(forgot, /retrowalk user reset-password/);
});

test('a reset link from the admin sets a new password once; other devices are signed out', async () => {
  const other = await newPage(browser);
  const email = await signUp(other, server.url, { name: 'Eve Reset' });
  const out = execFileSync(binaryPath(), ['--db', server.db, '--json', 'user', 'reset-password', email, '--url', server.url], { encoding: 'utf8' });
  const { link } = JSON.parse(out);
  assert.ok(link.startsWith(`${server.url}/reset-password#token=`), link);

  const page = await newPage(browser);
  await page.goto(link);
  await page.waitForSelector('#password');
  await page.fill('#password', 'a new long passphrase');
  await page.fill('#password2', 'a new long passphrasf');
  await page.click('#submit');
  assert.match(await errorOf(page, 'password2'), /^The two passwords are different/);
  await page.fill('#password', 'tiny');
  await page.click('#submit');
  assert.match(await errorOf(page, 'password'), /^Use at least 10 characters/);
  await page.fill('#password', 'a new long passphrase');
  await page.fill('#password2', 'a new long passphrase');
  await page.click('#submit');
  await page.waitForURL(/\/signin$/);
  assert.match(await page.textContent('#toast'), /Password changed/);

  await page.fill('#email', email);
  await page.fill('#password', 'a new long passphrase');
  await page.click('#submit');
  await page.waitForURL(/\/onboarding$/);

  // The device that was signed in before the reset is signed out.
  await other.reload();
  await other.waitForURL(/\/signin$/);

  // The link worked once.
  const again = await newPage(browser);
  await again.goto(link);
  await again.fill('#password', 'yet another passphrase');
  await again.fill('#password2', 'yet another passphrase');
  await again.click('#submit');
  await again.waitForSelector('#reset-error:not([hidden])');
  assert.match(await again.textContent('#reset-error'), /already used or expired: ask the server's administrator/);
  assert.deepEqual([...page.errors, ...again.errors], []);
});

test('a reset link without its token says so', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/reset-password`);
  assert.match(await page.textContent('#reset-error'), /link is incomplete/);
});

test('settings: changing the password checks both new fields match first', async () => {
  const page = await newPage(browser);
  const calls = apiCalls(page);
  const email = await signUp(page, server.url, { name: 'Fay Change' });
  await page.goto(`${server.url}/settings`);
  await page.waitForSelector('#password-form');
  calls.length = 0;
  await page.click('#change-password');
  assert.match(await errorOf(page, 'current-password'), /^Enter your current password/);
  await page.fill('#current-password', 'correct horse battery');
  await page.fill('#new-password', 'a shiny new passphrase');
  await page.fill('#new-password2', 'a shiny new passphrasE');
  await page.click('#change-password');
  assert.match(await errorOf(page, 'new-password2'), /^The two passwords are different/);
  assert.deepEqual(calls, []);
  // A wrong current password: the server's answer goes under that field.
  await page.fill('#current-password', 'not my password at all');
  await page.fill('#new-password2', 'a shiny new passphrase');
  await page.click('#change-password');
  await page.waitForSelector('#current-password-error:not([hidden])');
  assert.match(await errorOf(page, 'current-password'), /^That is not your current password/);
  await page.fill('#current-password', 'correct horse battery');
  await page.click('#change-password');
  await page.waitForFunction(() => /Password changed/.test(document.querySelector('#toast').textContent));
  assert.equal(email.length > 0, true);
  assert.deepEqual(page.errors, []);
});
