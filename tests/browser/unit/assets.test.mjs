// The UI must work offline on a LAN under a strict CSP: no CDN, no external fonts, no inline
// scripts or handlers, and every module import resolving to a file that is embedded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../crates/web/assets');

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const all = files(root);

test('no external URLs except the SVG namespace', () => {
  for (const f of all) {
    const text = readFileSync(f, 'utf8');
    const urls = (text.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s'"`)]*/gi) || [])
      .filter((u) => !u.startsWith('http://www.w3.org/2000/svg'));
    assert.deepEqual(urls, [], relative(root, f));
  }
});

test('index.html loads only same-origin module code, with no inline script or handlers', () => {
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
  assert.ok(scripts.length >= 1);
  for (const [, attrs, body] of scripts) {
    assert.match(attrs, /type="module"/);
    assert.match(attrs, /src="\/assets\/[\w./-]+"/);
    assert.equal(body.trim(), '');
  }
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
  for (const ref of html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)) {
    assert.ok(existsSync(join(root, ref[1])), `missing asset ${ref[1]}`);
  }
});

test('every relative import in the modules names an existing file', () => {
  for (const f of all.filter((p) => p.endsWith('.js'))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:import|from)\s*\(?\s*['"`](\.{1,2}\/[^'"`$]+)['"`]/g)) {
      assert.ok(existsSync(resolve(dirname(f), m[1])), `${relative(root, f)} imports ${m[1]}`);
    }
    assert.doesNotMatch(text, /\beval\(|new Function\(/, relative(root, f));
  }
});

test('every page the router names exists', () => {
  const app = readFileSync(join(root, 'app.js'), 'utf8');
  const pages = [...app.matchAll(/\[\/[^\]]*?\/, '(\w+)'/g)].map((m) => m[1]);
  assert.ok(pages.length >= 10, `routes: ${pages}`);
  for (const p of pages) assert.ok(existsSync(join(root, 'pages', `${p}.js`)), p);
});
