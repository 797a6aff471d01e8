import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chart, niceMax, ticks, esc } from '../../../crates/web/assets/chart.js';

test('axis maxima are round and cover the data', () => {
  for (const v of [0.3, 1, 7, 9.9, 23, 101, 4999]) {
    const m = niceMax(v);
    assert.ok(m >= v, `${v} -> ${m}`);
    assert.ok(m <= v * 2.1, `${v} -> ${m}`);
  }
  assert.equal(niceMax(0), 1);
  assert.equal(niceMax(NaN), 1);
  assert.deepEqual(ticks(8), [0, 2, 4, 6, 8]);
});

test('bar chart draws one bar per value with its figure in a tooltip', () => {
  const svg = chart({ type: 'bar', title: 'Minutes', unit: 'min', points: [
    { label: 'A', value: 5 }, { label: 'B', value: 10 }, { label: 'C', value: null },
  ] });
  assert.equal((svg.match(/<rect class="bar"/g) || []).length, 2);
  assert.match(svg, /B: 10 min/);
  assert.match(svg, /^<svg[^>]*viewBox="0 0 440 220"/);
});

test('line chart breaks at gaps and scales into the plot', () => {
  const svg = chart({ type: 'line', max: 10, points: [
    { label: 'a', value: 0 }, { label: 'b', value: 10 }, { label: 'c', value: null }, { label: 'd', value: 5 },
  ] });
  const d = /<path class="line" d="([^"]+)"/.exec(svg)[1];
  assert.equal((d.match(/M/g) || []).length, 2);
  const ys = [...svg.matchAll(/<circle class="dot" cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(ys.length, 3);
  assert.ok(ys[0] > ys[2] && ys[2] > ys[1]);
  for (const yv of ys) assert.ok(yv >= 14 && yv <= 220 - 30);
});

test('labels are escaped and empty charts say so', () => {
  const svg = chart({ type: 'bar', title: '<x>', points: [{ label: '<b>', value: 1 }] });
  assert.ok(!svg.includes('<b>'));
  assert.ok(svg.includes('&lt;b&gt;'));
  assert.equal(esc('"&'), '&quot;&amp;');
  assert.match(chart({ type: 'line', points: [] }), /No data yet/);
});

test('ticks are round steps of 1, 2 or 5 × 10^k ending at the axis maximum', () => {
  for (const v of [0.4, 2, 3.3, 10, 27, 150, 820]) {
    const max = niceMax(v);
    const t = ticks(max);
    assert.equal(t[0], 0);
    assert.equal(t[t.length - 1], max, `${v}: ${t}`);
    const step = t[1] - t[0];
    const mant = step / 10 ** Math.floor(Math.log10(step));
    assert.ok([1, 2, 5].some((m) => Math.abs(mant - m) < 1e-6), `${v}: step ${step}`);
    assert.ok(t.length >= 3 && t.length <= 6, `${v}: ${t}`);
  }
});
