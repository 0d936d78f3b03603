// memory_pressure, oom_risk and swap_thrashing: real OOM kills recorded in a
// memory cgroup, and hand-made samples for the host-level cases we must not
// produce on this machine (its real total is kept; available/swap are edited).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSignalEngine } from '../../../ingest/signals/index.js';
import type { EventOf, KsEvent } from '../../../lib/events.js';
import { ctx, ev, readFixture, replay, sevRank, signals, tempDb } from './helpers.js';

const TOTAL = 24_684_096; // this machine's MemTotal
const mem = (ts: number, availableFraction: number, extra: Partial<EventOf<'memory'>> = {}) =>
  ev('memory', ts, { total_kb: TOTAL, available_kb: Math.round(TOTAL * availableFraction), free_kb: Math.round(TOTAL * availableFraction / 2), ...extra });
const psiMem = (ts: number, somePct: number, full = 0) =>
  ev('psi', ts, { resource: 'memory', some_avg10: somePct, some_stall_ms_per_s: somePct * 10, full_avg10: full });

test('recorded cgroup OOM kills: a critical oom_risk opens on the first kill, stays one row, resolves 300 s after the last', async (t) => {
  const { db } = tempDb(t);
  const events = await readFixture('memcg-oom.ndjson');
  const engine = createSignalEngine();
  replay(engine, db, events);
  const kills = events.filter((e): e is EventOf<'vmstat'> => e.type === 'vmstat' && e.oom_kill_delta > 0);
  assert.ok(kills.length > 0, 'the fixture recorded kills');
  const rows = signals(db, 'oom_risk').filter((s) => s.dedup_key.endsWith('|oom_kill'));
  assert.equal(rows.length, 1);
  const [s] = rows;
  assert.equal(s.severity, 'critical');
  assert.equal(s.first_seen, kills[0].ts, 'no duration gate for a kill');
  assert.equal(s.occurrence_count, kills.length);
  assert.equal(s.last_seen, kills[kills.length - 1].ts);
  assert.deepEqual(JSON.parse(s.patterns), ['oom_kill']);
  assert.match(s.summary, /^The kernel OOM killer killed \d+ process/);
  // The host itself had 23 GiB available: no host memory pressure beyond what PSI showed.
  assert.equal(signals(db, 'memory_pressure').filter((x) => sevRank(x.max_severity) >= sevRank('medium')).length, 0);
  engine.tick(db, s.last_seen + 299);
  assert.equal(signals(db, 'oom_risk')[0].status, 'open');
  engine.tick(db, s.last_seen + 301);
  assert.equal(signals(db, 'oom_risk')[0].status, 'resolved');
});

test('page cache is not pressure: free memory near zero with MemAvailable high', async (t) => {
  const { db } = tempDb(t);
  const events = [0, 5, 10, 15].flatMap((ts) => [
    mem(ts, 0.8, { free_kb: 100_000, cached_kb: 19_000_000 }), psiMem(ts, 0),
  ]);
  replay(createSignalEngine({ cpus: 2 }), db, events);
  assert.deepEqual(signals(db), []);
});

test('MemAvailable thresholds 0.70/0.85/0.95/0.98 used; PSI quiet caps at medium; stalls raise it', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  replay(engine, db, [0, 5].flatMap((ts) => [psiMem(ts, 0), mem(ts, 0.04)]));
  let [s] = signals(db, 'memory_pressure');
  assert.equal(s.severity, 'medium', '96% used but no task stalls: at most medium');
  assert.ok(JSON.parse(s.patterns).includes('no_stalls_yet'));
  replay(engine, db, [psiMem(10, 30, 12), mem(10, 0.04)]);
  [s] = signals(db, 'memory_pressure');
  assert.equal(s.severity, 'high', 'PSI some 30% / full 12% confirms it');
  assert.match(s.summary, /^Memory pressure: 4% of RAM available \(.+ of 23\.5 GiB\), PSI memory some 30\.0% \/ full 12\.0%, no swap$/);
  replay(engine, db, [psiMem(15, 30, 12), mem(15, 0.015)]);
  assert.equal(signals(db, 'memory_pressure')[0].severity, 'critical', '98.5% used');
});

test('missing PSI: MemAvailable alone decides', async (t) => {
  const { db } = tempDb(t);
  replay(createSignalEngine({ cpus: 2 }), db, [0, 5].map((ts) => mem(ts, 0.1)));
  const [s] = signals(db, 'memory_pressure');
  assert.equal(s.severity, 'medium', '90% used: between 0.85 and 0.95');
  assert.match(s.summary, /no PSI on this kernel/);
  assert.equal(ctx(s).psi_memory, null);
});

test('hysteresis: 0.70 enters, it stays open down to 0.65, and resolves below', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  replay(engine, db, [mem(0, 0.28), mem(5, 0.28)]);
  assert.equal(signals(db)[0].status, 'open');
  replay(engine, db, [mem(10, 0.33), mem(15, 0.33), mem(20, 0.33)]); // 0.67 used: in the band
  assert.equal(signals(db)[0].status, 'open');
  assert.equal(signals(db)[0].last_seen, 20);
  replay(engine, db, [mem(25, 0.40), mem(30, 0.40)]);
  const [s] = signals(db, 'memory_pressure');
  assert.equal(s.status, 'resolved');
  assert.equal(s.resolved_at, 30);
  assert.equal(signals(db).length, 1);
});

test('oom_risk from RAM + swap headroom and from a fast decline; zero swap is handled', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  // Plenty of swap free: 2.5% RAM available is not yet an OOM risk.
  replay(engine, db, [0, 5].map((ts) => mem(ts, 0.025, { swap_total_kb: 8_000_000, swap_free_kb: 8_000_000 })));
  assert.equal(signals(db, 'oom_risk').length, 0);
  // No swap: the same 2.5% is a high risk (deficit 0.975: 0.97..0.985).
  replay(engine, db, [10, 15].map((ts) => mem(ts, 0.025)));
  const [s] = signals(db, 'oom_risk');
  assert.equal(s.severity, 'high');
  assert.ok(JSON.parse(s.patterns).includes('no_swap'));
  assert.equal(signals(db, 'swap_thrashing').length, 0);
});

test('oom_risk projects MemAvailable falling fast toward zero', async (t) => {
  const { db } = tempDb(t);
  const events: KsEvent[] = [];
  // 22% -> 12% available in 20 s: ~120 MiB/s, about 25 s left at the last sample.
  [0.22, 0.195, 0.17, 0.145, 0.12].forEach((f, i) => events.push(mem(i * 5, f)));
  replay(createSignalEngine({ cpus: 2 }), db, events);
  const [s] = signals(db, 'oom_risk');
  assert.ok(s, 'opened on the trend alone');
  assert.ok(JSON.parse(s.patterns).includes('rapid_memory_growth'));
  assert.ok(ctx(s).seconds_to_exhaustion < 60, String(ctx(s).seconds_to_exhaustion));
});

test('swap thrashing needs swap and pages moving both ways', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const vm = (ts: number, pin: number, pout: number) => ev('vmstat', ts, { pswpin_per_s: pin, pswpout_per_s: pout });
  const withSwap = (ts: number) => mem(ts, 0.1, { swap_total_kb: 4_000_000, swap_free_kb: 1_000_000 });
  replay(engine, db, [withSwap(0), vm(0, 0, 3000), withSwap(5), vm(5, 0, 3000)]);
  assert.equal(signals(db, 'swap_thrashing').length, 0, 'swap-out only: the kernel parking idle pages');
  replay(engine, db, [withSwap(10), vm(10, 900, 1500), withSwap(15), vm(15, 900, 1500)]);
  const [s] = signals(db, 'swap_thrashing');
  assert.equal(s.severity, 'high', '2400 pages/s both ways');
  assert.match(s.summary, /^Swap thrashing: 900 pages\/s swapped in and 1500 pages\/s swapped out, 2\.9 GiB of 3\.8 GiB swap used/);
  // swapoff: zero swap resolves it instead of leaving it open.
  replay(engine, db, [mem(20, 0.1), vm(20, 0, 0), mem(25, 0.1), vm(25, 0, 0)]);
  assert.equal(signals(db, 'swap_thrashing')[0].status, 'resolved');
});
