// Time windows from questions and flags (lib/time-window.ts), in the local zone:
// "now" is built from local calendar fields, so the cases hold in any TZ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeArg, windowFromFlags, windowFromText } from '../../lib/time-window.js';

const local = (d: number, h: number, m = 0, s = 0) => new Date(2026, 11, d, h, m, s).getTime() / 1000;
const NOW = local(2, 10, 0); // 2026-12-02 10:00 local

function w(text: string) {
  const r = windowFromText(text, NOW);
  return r && [r.fromS, r.toS, r.source];
}

test('points on the clock: "at" is ±5 min, "around" ±15 min; a time later than now today means yesterday', () => {
  assert.deepEqual(w('what happened at 03:10?'), [local(2, 3, 5), local(2, 3, 15), 'at 03:10']);
  assert.deepEqual(w('why was the disk slow around 18:22'), [local(1, 18, 7), local(1, 18, 37), 'around 18:22']);
  assert.deepEqual(w('anything at 2:30pm yesterday?')?.slice(0, 2), [local(1, 14, 25), local(1, 14, 35)]);
  assert.deepEqual(w('load at 09:58')?.slice(0, 2), [local(2, 9, 53), local(2, 10, 3)]);
});

test('ranges: clock ranges with a day, "between ... and ...", ISO pairs', () => {
  assert.deepEqual(w('yesterday 14:00–14:30 was slow')?.slice(0, 2), [local(1, 14, 0), local(1, 14, 30)]);
  assert.deepEqual(w('between 2pm and 3pm')?.slice(0, 2), [local(1, 14), local(1, 15)]);
  assert.deepEqual(w('from 08:00 to 09:30')?.slice(0, 2), [local(2, 8), local(2, 9, 30)]);
  assert.deepEqual(w('2026-12-01T10:00:00Z to 2026-12-01T11:00:00Z')?.slice(0, 2), [Date.UTC(2026, 11, 1, 10) / 1000, Date.UTC(2026, 11, 1, 11) / 1000]);
  assert.deepEqual(w('at 2026-12-01 23:30')?.slice(0, 2), [local(1, 23, 25), local(1, 23, 35)]);
});

test('relative windows: last N units, N units ago, parts of the day', () => {
  assert.deepEqual(w('which process used the most memory in the last hour?'), [NOW - 3600, NOW, 'last hour']);
  assert.deepEqual(w('over the past 30 minutes')?.slice(0, 2), [NOW - 1800, NOW]);
  assert.deepEqual(w('last 2h')?.slice(0, 2), [NOW - 7200, NOW]);
  assert.deepEqual(w('what was it doing 10 minutes ago')?.slice(0, 2), [NOW - 900, NOW - 300]);
  assert.deepEqual(w('what happened this morning')?.slice(0, 2), [local(2, 6), NOW], 'cut at now');
  assert.deepEqual(w('and yesterday?')?.slice(0, 2), [local(1, 0), local(2, 0)]);
  assert.deepEqual(w('last night')?.slice(0, 2), [local(1, 18), local(2, 6)]);
});

test('no time in the question: null (numbers that are not times stay numbers)', () => {
  for (const q of ['what is wrong?', 'top 5 processes', 'kernel 6.18 and version 1.2', 'is vda at 100% util?', 'at 25:00']) assert.equal(windowFromText(q, NOW), null, q);
});

test('--since / --until: relative, clock, named day, ISO; a bad one names the forms that work', () => {
  assert.equal(parseTimeArg('1h', NOW), NOW - 3600);
  assert.equal(parseTimeArg('30m', NOW), NOW - 1800);
  assert.equal(parseTimeArg('2 hours ago', NOW), NOW - 7200);
  assert.equal(parseTimeArg('08:15', NOW), local(2, 8, 15));
  assert.equal(parseTimeArg('yesterday 14:00', NOW), local(1, 14));
  assert.equal(parseTimeArg('2026-12-01T14:00', NOW), local(1, 14));
  assert.equal(parseTimeArg('now', NOW), NOW);
  assert.throws(() => parseTimeArg('teatime', NOW), /cannot read "teatime" as a time: use e\.g\. 1h/);
  assert.deepEqual(windowFromFlags('40m', '10m', NOW), { fromS: NOW - 2400, toS: NOW - 600, source: '--since 40m --until 10m' });
  assert.deepEqual(windowFromFlags(undefined, '09:00', NOW)?.fromS, local(2, 8));
  assert.equal(windowFromFlags(undefined, undefined, NOW), null);
  assert.throws(() => windowFromFlags('10m', '40m', NOW), /must be before --until/);
});
