import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFlag } from '../../../crates/web/assets/pages/clinician.js';
import { statusOf, OUTCOME } from '../../../crates/web/assets/pages/home.js';
import { STOP_REASONS } from '../../../crates/web/assets/pages/run.js';

test('every flag the service raises reads as a sentence with a tone', () => {
  const cases = [
    [{ flag: 'pain_rising', from: 2, to: 5 }, /Knee pain rising: 2\/10 → 5\/10/, 'bad'],
    [{ flag: 'pain_rising', from: 1, to: 3 }, /Knee pain rising: 1\/10 → 3\/10/, 'warn'],
    [{ flag: 'safety_event', date: '2026-11-12', what: 'Dizziness' }, /^Dizziness on Thu 12 Nov$/, 'bad'],
    [{ flag: 'missed_sessions', count: 1 }, /^1 missed session in 2 weeks$/, 'warn'],
    [{ flag: 'missed_sessions', count: 3 }, /^3 missed sessions/, 'warn'],
    [{ flag: 'no_log_for', days: 9 }, /^No log for 9 days$/, 'warn'],
    [{ flag: 'paused' }, /paused/i, 'warn'],
    [{ flag: 'needs_clearance' }, /clearance/i, 'info'],
    [{ flag: 'something_new' }, /^something new$/, 'info'],
  ];
  for (const [f, text, tone] of cases) {
    const [t, k] = describeFlag(f);
    assert.match(t, text);
    assert.equal(k, tone, f.flag);
  }
});

test('status reads both the tagged object and a plain string', () => {
  assert.equal(statusOf({ status: { status: 'active' } }), 'active');
  assert.equal(statusOf({ status: { status: 'paused', reason: 'by your clinician' } }), 'paused');
  assert.equal(statusOf({ status: 'needs_clearance' }), 'needs_clearance');
  assert.equal(statusOf({}), 'no_profile');
  assert.equal(statusOf(null), 'no_profile');
  for (const o of ['progress', 'hold', 'step_back', 'paused', 'resumed']) assert.ok(OUTCOME[o], o);
});

test('STOP reasons map onto the API words and the session log words', () => {
  const api = STOP_REASONS.map((r) => r[0]);
  assert.deepEqual(api, ['dizziness', 'pain', 'discomfort', 'slip', 'other']);
  assert.equal(STOP_REASONS.find((r) => r[0] === 'slip')[1], 'slip_or_near_fall');
  assert.ok(STOP_REASONS.every((r) => r[2].length > 0));
});
