import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { validateEvent } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { parseSystemStat } from '../../lib/procfs/stat.js';
import { CpuSource, cpuCounters, cpuFields, type CpuCounter } from '../../scraper/cpu.js';
import { CounterSet } from '../../scraper/rates.js';
import { sampleTime } from '../../scraper/source.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');

test('shares over an interval add up to 100 and guest time is not counted twice', () => {
  const a = parseSystemStat('cpu 100 0 100 700 100 0 0 0 0 0\ncpu0 1 1 1 1\nctxt 1000\n');
  const b = parseSystemStat('cpu 400 100 200 900 200 50 50 100 300 0\ncpu0 1 1 1 1\nctxt 3000\n');
  const c = new CounterSet<CpuCounter>();
  c.update('cpu', cpuCounters(a), 0);
  const f = cpuFields(b, c.update('cpu', cpuCounters(b), 2)!);
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
