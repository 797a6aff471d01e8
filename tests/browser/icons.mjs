// Draws the app's PNG icons (for the web app manifest and the home screen) from its SVG
// icons with Debian's Chromium, so the PNGs are made here rather than fetched. Run by hand
// after changing an icon: cd tests/browser && node icons.mjs
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './lib/harness.mjs';

const assets = resolve(dirname(fileURLToPath(import.meta.url)), '../../crates/web/assets');
// [source SVG, size, output]: "any" icons keep their rounded corners on a transparent
// background; the maskable one fills the square, its mark inside the central safe circle.
const ICONS = [
  ['icon.svg', 192, 'icon-192.png'],
  ['icon.svg', 512, 'icon-512.png'],
  ['icon-maskable.svg', 512, 'icon-maskable-512.png'],
  ['icon-maskable.svg', 180, 'apple-touch-icon.png'],
];

const browser = await launchBrowser();
try {
  for (const [src, size, out] of ICONS) {
    const svg = readFileSync(`${assets}/${src}`, 'utf8');
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    await page.setContent(`<html><body style="margin:0;background:transparent">
      <img style="display:block;width:${size}px;height:${size}px" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}">
      </body></html>`);
    await page.screenshot({ path: `${assets}/${out}`, omitBackground: true });
    await page.close();
    console.log('saved', out);
  }
} finally {
  await browser.close();
}
