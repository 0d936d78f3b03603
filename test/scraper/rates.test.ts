import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterSet, pct, perSecond, round } from '../../scraper/rates.js';

test('first sample of a counter yields no rate', () => {
  const c = new CounterSet<'a'>();
  assert.equal(c.update('k', { a: 1_000_000 }, 10), undefined);
  assert.deepEqual(c.update('k', { a: 1_000_500 }, 12), { interval_s: 2, d: { a: 500 } });
});

test('a counter going backwards re-baselines instead of yielding a negative or huge rate', () => {
  const c = new CounterSet<'a' | 'b'>();
  c.update('eth0', { a: 100, b: 100 }, 0);
  // Only one field resets (driver reset of rx, tx untouched): the whole interval is dropped.
  assert.equal(c.update('eth0', { a: 5, b: 200 }, 1), undefined);
  // ...and the next interval is measured from the post-reset values.
  assert.deepEqual(c.update('eth0', { a: 15, b: 260 }, 2), { interval_s: 1, d: { a: 10, b: 60 } });
});

test('keys are independent: a new device does not disturb the others', () => {
  const c = new CounterSet<'x'>();
  c.update('sda', { x: 1 }, 0);
  assert.equal(c.update('sdb', { x: 999 }, 1), undefined);
  assert.deepEqual(c.update('sda', { x: 3 }, 1)?.d, { x: 2 });
});

test('tolerated fields clamp a small step back to 0 (iowait) instead of dropping the interval', () => {
  const c = new CounterSet<'iowait' | 'user'>({ tolerate: ['iowait'] });
  c.update('cpu', { iowait: 50, user: 10 }, 0);
  assert.deepEqual(c.update('cpu', { iowait: 49, user: 20 }, 1)?.d, { iowait: 0, user: 10 });
  assert.equal(c.update('cpu', { iowait: 60, user: 5 }, 2), undefined, 'user going back is still a reset');
});

test('a clock that did not advance yields no rate (no division by zero)', () => {
  const c = new CounterSet<'a'>();
  c.update('k', { a: 1 }, 5);
  assert.equal(c.update('k', { a: 2 }, 5), undefined);
});

test('assumeZeroSince gives a newborn key a baseline of zero at that time', () => {
  const c = new CounterSet<'ticks'>();
  assert.deepEqual(c.update('42:100', { ticks: 30 }, 7, 5), { interval_s: 2, d: { ticks: 30 } });
  // Once seen, the real previous value is used.
  assert.deepEqual(c.update('42:100', { ticks: 40 }, 9, 7)?.d, { ticks: 10 });
});

test('retain forgets vanished keys, so a re-added device starts from a fresh baseline', () => {
  const c = new CounterSet<'a'>();
  c.update('usb0', { a: 10 }, 0);
  c.update('eth0', { a: 10 }, 0);
  c.retain(new Set(['eth0']));
  assert.equal(c.size, 1);
  assert.equal(c.has('usb0'), false);
  assert.equal(c.update('usb0', { a: 20 }, 1), undefined);
});

test('non-finite values never produce a rate', () => {
  const c = new CounterSet<'a'>();
  c.update('k', { a: 1 }, 0);
  assert.equal(c.update('k', { a: Number.NaN }, 1), undefined);
});

test('helpers: perSecond, pct and round', () => {
  assert.equal(perSecond(10, 4), 2.5);
  assert.equal(pct(1, 0), 0);
  assert.equal(pct(150, 100), 100);
  assert.equal(pct(1, 3), 33.33);
  assert.ok(Object.is(round(-0.0001), 0));
});
