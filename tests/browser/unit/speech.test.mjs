import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spokenText, voiceLang } from '../../../crates/web/assets/speech.js';

test('speeds are said with their units as words', () => {
  assert.equal(spokenText('Walk backward at 1.2 km/h.'), 'Walk backward at 1.2 kilometres per hour.');
  assert.equal(spokenText('Walk backward at 1.2 km/h.', 'en-US'), 'Walk backward at 1.2 kilometers per hour.');
  assert.equal(spokenText('Warm up at 2.0 mph for 3 minutes.'), 'Warm up at 2.0 miles per hour for 3 minutes.');
  assert.equal(spokenText('Incline 2%, speed 3.0mph'), 'Incline 2 percent, speed 3.0 miles per hour');
});

test('durations, distances and energy are said as words, one or many', () => {
  assert.equal(spokenText('Easy forward walking for 3 min 30 s.'), 'Easy forward walking for 3 minutes 30 seconds.');
  assert.equal(spokenText('1 min 1 s left'), '1 minute 1 second left');
  assert.equal(spokenText('You walked 0.42 km, 1 km to go'), 'You walked 0.42 kilometres, 1 kilometre to go');
  assert.equal(spokenText('0.30 mi and 35 kcal'), '0.30 miles and 35 kilocalories');
});

test('a pain score is said as "out of 10", not as a date', () => {
  assert.equal(
    spokenText('Stop at once if knee pain goes above 5/10 or turns sharp.'),
    'Stop at once if knee pain goes above 5 out of 10 or turns sharp.');
  assert.equal(spokenText('an ache up to 5/10, 10/10 at worst'), 'an ache up to 5 out of 10, 10 out of 10 at worst');
  assert.equal(spokenText('on 5/10/2026'), 'on 5/10/2026');
});

test('words that merely contain a unit are left alone', () => {
  const s = 'Stand still: minimise swinging, miles of smiles, skip a step.';
  assert.equal(spokenText(s), s);
  assert.equal(spokenText('The 3 mins are up'), 'The 3 mins are up');
});

test('the voice speaks the browser\'s English, else British English', () => {
  assert.equal(voiceLang('en-US'), 'en-US');
  assert.equal(voiceLang('en-AU'), 'en-AU');
  assert.equal(voiceLang('en'), 'en');
  assert.equal(voiceLang('de-DE'), 'en-GB');
  assert.equal(voiceLang(undefined), 'en-GB');
});
