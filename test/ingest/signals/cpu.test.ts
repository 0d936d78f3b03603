// cpu_saturation and runaway_process: recorded stress-ng run, recorded calm,
// and the edge cases (first sample, no PSI, fully busy but nothing waiting).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSignalEngine } from '../../../ingest/signals/index.js';
import type { KsEvent } from '../../../lib/events.js';
import { ctx, ev, readFixture, replay, sevRank, signals, tempDb } from './helpers.js';

test('recorded stress-ng --cpu 2x: cpu_saturation within two samples of the load, resolved after it', async (t) => {
  const { db } = tempDb(t);
  const events = await readFixture('cpu-stress.ndjson');
  replay(createSignalEngine(), db, events);
  const rows = signals(db, 'cpu_saturation');
  assert.equal(rows.length, 1, 'one episode, one row');
  const [s] = rows;
  const cpuSamples = events.filter((e): e is Extract<KsEvent, { type: 'cpu' }> => e.type === 'cpu');
  const firstLoaded = cpuSamples.find((e) => e.busy_pct >= 90)!;
  const opened = ctx(s).opened_at as number;
  const samplesToOpen = cpuSamples.filter((e) => e.ts >= firstLoaded.ts && e.ts <= opened).length;
  assert.ok(samplesToOpen <= 2, `opened on sample ${samplesToOpen} of the load`);
  assert.ok(sevRank(s.max_severity) >= sevRank('medium'), `4 hogs on 2 CPUs is at least medium, got ${s.max_severity}`);
  assert.equal(s.status, 'resolved', 'resolved once the load ended');
  const lastLoaded = [...cpuSamples].reverse().find((e) => e.busy_pct >= 90)!;
  assert.ok(s.resolved_at! > lastLoaded.ts);
  assert.equal(ctx(s).cpus, 2, 'the real CPU count from /proc/stat');
  const top = ctx(s).top_processes as { pid: number; start_time: number; comm: string; cpu_pct: number }[];
  assert.ok(top.some((p) => p.comm.startsWith('stress-ng') && p.start_time > 0 && p.cpu_pct > 20), JSON.stringify(top));
  assert.match(s.summary, /^CPU saturated: 2 CPUs \d+% busy, [\d.]+ runnable tasks per CPU/);
  assert.equal(s.source_table, 'cpu_metrics');
});

test('recorded calm: no cpu, memory, io or network signal of medium or more', async (t) => {
  const { db } = tempDb(t);
  replay(createSignalEngine(), db, await readFixture('idle.ndjson'));
  const loud = signals(db).filter((s) => sevRank(s.max_severity) >= sevRank('medium'));
  assert.deepEqual(loud.map((s) => s.summary), []);
});

test('busy but nobody waiting is not saturation; a single sample is not an episode', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const events: KsEvent[] = [];
  for (let i = 0; i < 6; i++) {
    // Two hogs on two CPUs: 100% busy, 2 running + the scraper, PSI ~0: fully used, not saturated.
    events.push(ev('cpu', 100 + i * 5, { busy_pct: 100, idle_pct: 0, procs_running: 3 }));
    events.push(ev('psi', 100 + i * 5, { resource: 'cpu', some_stall_ms_per_s: 20 }));
  }
  replay(engine, db, events);
  assert.deepEqual(signals(db), []);
  // First sample ever, saturated: nothing yet (duration gate), no load or PSI known.
  replay(engine, db, [ev('cpu', 200, { busy_pct: 100, procs_running: 9 })]);
  assert.deepEqual(signals(db), []);
  replay(engine, db, [ev('cpu', 205, { busy_pct: 100, procs_running: 9 })]);
  const [s] = signals(db);
  assert.equal(s.severity, 'high', '(9-1)/2 = 4 runnable per CPU');
  assert.equal(ctx(s).psi_cpu_some, null, 'no PSI: decided without it');
});

test('load per CPU uses production levels: 2 medium, 4 high, 8 critical', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 4 });
  const round = (ts: number, load1: number) => [
    ev('load', ts, { load1, cpus: 4, load1_per_cpu: load1 / 4 }),
    ev('cpu', ts, { cpus: 4, busy_pct: 99, procs_running: 2 }),
  ];
  replay(engine, db, [...round(10, 8.4), ...round(15, 8.4)]);
  assert.equal(signals(db)[0].severity, 'medium');
  replay(engine, db, [...round(20, 33)]);
  engine.tick(db, 20);
  assert.equal(signals(db)[0].severity, 'critical');
  assert.equal(signals(db)[0].max_severity, 'critical');
});

test('runaway_process: one process at >= 90% of a CPU for 60 s, with its identity', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const events: KsEvent[] = [];
  for (let ts = 0; ts <= 70; ts += 5) {
    events.push(ev('cpu', 1000 + ts, { busy_pct: 55 }));
    events.push(ev('process', 1000 + ts, { pid: 4242, start_time: 777, comm: 'spin', cpu_pct: 99.5, state: 'R' }));
    events.push(ev('process', 1000 + ts, { pid: 17, start_time: 5, comm: 'calm', cpu_pct: 3 }));
  }
  replay(engine, db, events.filter((e) => e.ts < 1055));
  assert.equal(signals(db, 'runaway_process').length, 0, 'not before 60 s');
  replay(engine, db, events.filter((e) => e.ts >= 1055));
  const [s] = signals(db, 'runaway_process');
  assert.equal(s.entity_id, '4242:777');
  assert.equal(s.severity, 'low', 'alone on a half-idle machine it may be batch work');
  assert.equal(s.first_seen, 1000);
  assert.match(s.summary, /^spin \(pid 4242\) has used 100% of a CPU for over 60 s/);
  // It stops: two samples under 70% resolve it.
  replay(engine, db, [1075, 1080].flatMap((ts) => [ev('process', ts, { pid: 4242, start_time: 777, comm: 'spin', cpu_pct: 10 })]));
  assert.equal(signals(db, 'runaway_process')[0].status, 'resolved');
});
