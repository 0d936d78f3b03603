import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { validateEvent, type EventOf } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { PressureSource } from '../../scraper/pressure.js';
import { isUnavailable, sampleTime } from '../../scraper/source.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');

test('stall total becomes ms per second; full fields only where the kernel prints them', () => {
  const src = new PressureSource({ procRoot: path.join(FIX, 'root'), sysRoot: '/sys', warnOnce: () => {} });
  assert.deepEqual(src.sample({ ts: 1.7e9, mono: 0 }), []);
  const events = src.sample({ ts: 1.7e9, mono: 1 }).map((e) => validateEvent(e, 1.7e9) as EventOf<'psi'>);
  assert.deepEqual(events.map((e) => e.resource), ['cpu', 'memory', 'io']);
  assert.equal(events[0].full_avg10, undefined);
  assert.equal('full_avg10' in events[0], false);
  assert.equal(events[2].full_avg10, 2.5);
  assert.ok(events.every((e) => e.some_stall_ms_per_s === 0));
});

test('a missing pressure directory makes the whole source unavailable', () => {
  const src = new PressureSource({ procRoot: path.join(FIX, 'nopsi'), sysRoot: '/sys', warnOnce: () => {} });
  assert.throws(() => src.sample(sampleTime()), (err: unknown) => isUnavailable(err));
});

test('this machine: PSI for cpu, memory and io with averages in 0..100', () => {
  const src = new PressureSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} });
  assert.deepEqual(src.sample(sampleTime()), []);
  const until = Date.now() + 50;
  while (Date.now() < until);
  const events = src.sample(sampleTime()).map((e) => validateEvent(e) as EventOf<'psi'>);
  assert.deepEqual(events.map((e) => e.resource), ['cpu', 'memory', 'io']);
  for (const e of events) {
    for (const v of [e.some_avg10, e.some_avg60, e.some_avg300]) assert.ok(v >= 0 && v <= 100, `${e.resource} avg ${v}`);
    assert.ok(e.some_stall_ms_per_s >= 0 && e.some_stall_ms_per_s <= 1000 * 1.05, `${e.resource} stall ${e.some_stall_ms_per_s}`);
  }
  assert.ok(events[1].full_avg10 !== undefined, 'memory always has a full line');
});
