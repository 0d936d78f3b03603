import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateEvent, type EventOf } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { parseVmstat } from '../../lib/procfs/vmstat.js';
import { sampleTime } from '../../scraper/source.js';
import { VmstatSource, vmCounters } from '../../scraper/vmstat.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');
const read = (p: string) => fs.readFileSync(path.join(FIX, p), 'utf8');

test('vmstat without oom_kill; reclaim sums skip the anon/file split and throttle events', () => {
  assert.deepEqual(vmCounters(parseVmstat(read('root/vmstat'))), {
    pgfault: 2064836, pgmajfault: 995, pswpin: 10, pswpout: 20, oom_kill: 0,
    pgscan: 456, // kswapd 400 + direct 50 + khugepaged 6 (+ proactive 0)
    pgsteal: 123,
  });
});

test('pre-4.8 per-zone reclaim counters are summed too', () => {
  const c = vmCounters(parseVmstat(read('edge/vmstat-zoned')));
  assert.equal(c.pgscan, 17);
  assert.equal(c.pgsteal, 9);
  assert.equal(c.pswpin, 0);
  assert.throws(() => vmCounters(parseVmstat('nr_free_pages 1\n')), /pgfault missing/);
});

test('first sample nothing, then deltas; oom_kill_delta is an integer delta', () => {
  const src = new VmstatSource({ procRoot: path.join(FIX, 'root'), sysRoot: '/sys', warnOnce: () => {} });
  assert.deepEqual(src.sample({ ts: 1.7e9, mono: 0 }), []);
  const e = validateEvent(src.sample({ ts: 1.7e9, mono: 2 })[0], 1.7e9) as EventOf<'vmstat'>;
  assert.equal(e.interval_s, 2);
  assert.equal(e.oom_kill_delta, 0);
  assert.equal(e.pgfault_per_s, 0);
});

test('this machine: touching fresh memory shows as page faults', () => {
  const src = new VmstatSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} });
  assert.deepEqual(src.sample(sampleTime()), []);
  const buf = Buffer.alloc(64 << 20, 1); // 16k fresh pages
  const e = validateEvent(src.sample(sampleTime())[0]) as EventOf<'vmstat'>;
  assert.ok(buf.length > 0);
  assert.ok(e.pgfault_per_s * e.interval_s >= 16, `pgfault delta ${e.pgfault_per_s * e.interval_s}`);
  assert.ok(e.pgmajfault_per_s >= 0 && e.oom_kill_delta >= 0);
});
