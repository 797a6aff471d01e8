import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  positionAt, backwardSecondsAt, cuesBetween, totalSeconds, maxSpeedKmh, backwardSpeedKmh,
} from '../../../crates/web/assets/timeline.js';

const segs = [
  { kind: 'warm_up', label: 'Warm-up', duration_s: 180, speed: 3.2, cues: [{ at_s: 0, kind: 'safety', text: 'A' }, { at_s: 170, kind: 'countdown', text: 'B' }] },
  { kind: 'turn', label: 'Turn', duration_s: 20, speed: 0.8, cues: [{ at_s: 0, kind: 'segment_start', text: 'C' }] },
  { kind: 'backward', label: 'Bout 1', duration_s: 300, speed: 1.6, cues: [{ at_s: 0, kind: 'segment_start', text: 'D' }, { at_s: 60, kind: 'glance', text: 'E' }] },
  { kind: 'turn', label: 'Turn', duration_s: 20, speed: 0.8, cues: [] },
  { kind: 'stand_still', label: 'Stand', duration_s: 60, speed: 0, cues: [] },
];

test('position walks through the segments', () => {
  assert.equal(totalSeconds(segs), 580);
  let p = positionAt(segs, 0);
  assert.equal(p.index, 0);
  assert.equal(p.remaining, 180);
  assert.equal(p.next.label, 'Turn');
  p = positionAt(segs, 199.5);
  assert.equal(p.index, 1);
  assert.equal(p.remaining, 0.5);
  p = positionAt(segs, 200);
  assert.equal(p.index, 2);
  assert.equal(p.remaining, 300);
  assert.equal(p.done, false);
  p = positionAt(segs, 580);
  assert.equal(p.done, true);
  assert.equal(p.fraction, 1);
  assert.equal(positionAt(segs, 290).fraction, 0.5);
  assert.equal(positionAt([], 10).done, true);
});

test('progress fraction never leaves 0..1', () => {
  for (const t of [-50, 0, 1, 579, 580, 10000]) {
    const f = positionAt(segs, t).fraction;
    assert.ok(f >= 0 && f <= 1, `${t}: ${f}`);
  }
});

test('backward seconds count only backward segments', () => {
  assert.equal(backwardSecondsAt(segs, 150), 0);
  assert.equal(backwardSecondsAt(segs, 200), 0);
  assert.equal(backwardSecondsAt(segs, 260.7), 60);
  assert.equal(backwardSecondsAt(segs, 1000), 300);
});

test('cues fire once each, in order, in half-open windows', () => {
  const all = cuesBetween(segs, -1, 580).map((c) => c.text);
  assert.deepEqual(all, ['A', 'B', 'C', 'D', 'E']);
  assert.deepEqual(cuesBetween(segs, -1, 0).map((c) => c.text), ['A']);
  assert.deepEqual(cuesBetween(segs, 0, 170).map((c) => c.text), ['B']);
  assert.deepEqual(cuesBetween(segs, 170, 179).map((c) => c.text), []);
  assert.deepEqual(cuesBetween(segs, 179, 260).map((c) => c.text), ['C', 'D', 'E']);
  // Splitting a window never duplicates or drops a cue.
  let seen = [];
  for (let t = -1; t < 580; t += 7) seen = seen.concat(cuesBetween(segs, t, Math.min(t + 7, 580)).map((c) => c.text));
  assert.deepEqual(seen, all);
});

test('target speeds', () => {
  assert.equal(maxSpeedKmh(segs), 3.2);
  assert.equal(backwardSpeedKmh({ load: { speed: 1.2 }, segments: segs }), 1.2);
  assert.equal(backwardSpeedKmh({ segments: segs }), 1.6);
});
