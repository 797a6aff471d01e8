import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  speedIn, speedToKmh, fmtSpeed, fmtClock, fmtMinutes, massToKg, fmtDistance, ruleId,
  mondayOf, addDays, fmtDate, speedValue,
} from '../../../crates/web/assets/units.js';

test('mph and km/h convert both ways', () => {
  assert.equal(speedIn(1.609344, 'mph'), 1);
  assert.equal(speedIn(3.2, 'kmh'), 3.2);
  assert.ok(Math.abs(speedToKmh(2, 'mph') - 3.218688) < 1e-9);
  assert.equal(speedToKmh(4, 'kmh'), 4);
  assert.ok(Number.isNaN(speedToKmh('abc', 'mph')));
  for (const v of [0.5, 0.8, 1, 1.2, 2, 3.3]) {
    assert.ok(Math.abs(speedIn(speedToKmh(v, 'mph'), 'mph') - v) < 1e-12);
  }
});

test('speeds show one decimal with the unit label', () => {
  assert.equal(fmtSpeed(1.609344, 'mph'), '1.0 mph');
  assert.equal(fmtSpeed(1.609344, 'kmh'), '1.6 km/h');
  assert.equal(fmtSpeed(0.8 * 1.609344, 'mph'), '0.8 mph');
  assert.equal(speedValue(1.2874752, 'mph'), 0.8);
});

test('clock and minute formats', () => {
  assert.equal(fmtClock(0), '0:00');
  assert.equal(fmtClock(75), '1:15');
  assert.equal(fmtClock(74.2), '1:15');
  assert.equal(fmtClock(-3), '0:00');
  assert.equal(fmtMinutes(300), '5 min');
  assert.equal(fmtMinutes(210), '3 min 30 s');
  assert.equal(fmtMinutes(45), '45 s');
});

test('mass, distance and rule ids', () => {
  assert.ok(Math.abs(massToKg(154, 'lb') - 69.853) < 0.001);
  assert.equal(massToKg(70, 'kg'), 70);
  assert.equal(fmtDistance(1609.344, 'mph'), '1.00 mi');
  assert.equal(fmtDistance(1500, 'kmh'), '1.50 km');
  assert.equal(ruleId('Scr01Neurological'), 'SCR-01');
  assert.equal(ruleId('Ada10Break'), 'ADA-10');
});

test('dates move by days and weeks in UTC', () => {
  assert.equal(mondayOf('2026-11-26'), '2026-11-23');
  assert.equal(mondayOf('2026-11-23'), '2026-11-23');
  assert.equal(mondayOf('2026-11-29'), '2026-11-23');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(fmtDate('2026-11-24'), 'Tue 24 Nov');
});
