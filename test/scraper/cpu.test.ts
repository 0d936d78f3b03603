import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateEvent } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { CpuSource, cpuFields, parseStat } from '../../scraper/cpu.js';
import { CounterSet } from '../../scraper/rates.js';
import { sampleTime } from '../../scraper/source.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');

test('stat fixture: aggregate line, CPU count, ctxt and procs', () => {
  const s = parseStat(fs.readFileSync(path.join(FIX, 'root/stat'), 'utf8'));
  assert.equal(s.cpus, 4);
  assert.deepEqual(s.counters, { user: 1000, nice: 10, system: 500, idle: 8000, iowait: 200, irq: 30, softirq: 20, steal: 40, ctxt: 987654 });
  assert.equal(s.procs_running, 3);
  assert.equal(s.procs_blocked, 1);
});

test('shares over an interval add up to 100 and guest time is not counted twice', () => {
  const a = parseStat('cpu 100 0 100 700 100 0 0 0 0 0\ncpu0 1 1 1 1\nctxt 1000\n');
  const b = parseStat('cpu 400 100 200 900 200 50 50 100 300 0\ncpu0 1 1 1 1\nctxt 3000\n');
  const c = new CounterSet<keyof typeof a.counters>();
  c.update('cpu', a.counters, 0);
  const f = cpuFields(b, c.update('cpu', b.counters, 2)!);
  // deltas: user 300 nice 100 system 100 idle 200 iowait 100 irq 50 softirq 50 steal 100 = 1000
  assert.equal(f.user_pct, 40);
  assert.equal(f.system_pct, 10);
  assert.equal(f.idle_pct, 20);
  assert.equal(f.iowait_pct, 10);
  assert.equal(f.irq_pct, 10);
  assert.equal(f.steal_pct, 10);
  assert.equal(f.busy_pct, 70);
  assert.equal(f.ctxt_per_s, 1000);
  assert.equal(f.interval_s, 2);
});

test('the first sample emits nothing; a static second sample reads as idle, not busy', () => {
  const src = new CpuSource({ procRoot: path.join(FIX, 'root'), sysRoot: '/sys', warnOnce: () => {} });
  assert.deepEqual(src.sample({ ts: 1.7e9, mono: 0 }), []);
  const [e] = src.sample({ ts: 1.7e9 + 1, mono: 1 });
  const v = validateEvent(e, 1.7e9);
  assert.ok(v.type === 'cpu');
  assert.equal(v.busy_pct, 0);
  assert.equal(v.procs_running, 3);
});

test('this machine: a busy loop between two samples shows as busy time', () => {
  const src = new CpuSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} });
  assert.deepEqual(src.sample(sampleTime()), []);
  const until = Date.now() + 300;
  let x = 0;
  while (Date.now() < until) x++;
  const [e] = src.sample(sampleTime());
  const v = validateEvent(e);
  assert.ok(v.type === 'cpu' && x > 0);
  assert.ok(v.busy_pct > 0 && v.busy_pct <= 100, `busy_pct ${v.busy_pct}`);
  const sum = v.user_pct + v.system_pct + v.iowait_pct + v.irq_pct + v.steal_pct + v.idle_pct;
  assert.ok(Math.abs(sum - 100) < 0.1, `shares sum to ${sum}`);
  assert.ok(v.ctxt_per_s > 0);
  assert.ok(v.interval_s > 0.2, `interval_s ${v.interval_s} is the real elapsed time`);
});
