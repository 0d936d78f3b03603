// SchedulerSemanticClassifier and PageFaultSemanticClassifier on recorded tracer
// output (sched_tracer under stress-ng, page_fault_tracer under real major
// faults) and on edge cases (zero-length interval, tracer superseding vmstat).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSignalEngine } from '../../../ingest/signals/index.js';
import type { EventOf, KsEvent } from '../../../lib/events.js';
import { ctx, ev, readFixture, replay, sevRank, signals, tempDb } from './helpers.js';

test('recorded stress-ng: run-queue latency opens scheduler_thrashing and names the waiters', async (t) => {
  const { db } = tempDb(t);
  const events = await readFixture('cpu-stress.ndjson');
  replay(createSignalEngine(), db, events);
  const [s] = signals(db, 'scheduler_thrashing');
  assert.ok(s, 'opened');
  assert.ok(JSON.parse(s.patterns).includes('run_queue_latency'));
  assert.match(s.summary, /^Scheduler: runnable tasks wait p95 [\d.]+ ms/);
  const waiters = ctx(s).top_waiters as { comm: string }[];
  assert.ok(waiters.length > 0);
  assert.equal(s.status, 'resolved', 'latency fell back with the load');
  const summaries = events.filter((e): e is EventOf<'sched_summary'> => e.type === 'sched_summary');
  const worst = Math.max(...summaries.map((x) => x.runq_p95_us));
  assert.ok(worst >= 5000, `the recording has p95 >= 5 ms (${worst} us)`);
});

test('a context-switch storm alone opens it; a zero-length interval is ignored', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const storm = (ts: number) => ev('sched_summary', ts, { interval_s: 1, switches: 420_000, voluntary: 410_000, involuntary: 10_000 });
  replay(engine, db, [ev('sched_summary', 0, { interval_s: 0, switches: 9e9 }), storm(1), storm(2)]);
  const [s] = signals(db, 'scheduler_thrashing');
  assert.equal(s.severity, 'high', '210k switches/s per CPU');
  assert.deepEqual(JSON.parse(s.patterns), ['context_switch_storm']);
});

test('recorded uncached mmap reads: excessive_major_faults system-wide and for the process', async (t) => {
  const { db } = tempDb(t);
  const events = await readFixture('faults.ndjson');
  replay(createSignalEngine(), db, events);
  const rows = signals(db, 'excessive_major_faults');
  const system = rows.find((r) => r.entity_type === 'system');
  const proc = rows.find((r) => r.entity_type === 'process');
  assert.ok(system && proc, JSON.stringify(rows.map((r) => r.dedup_key)));
  assert.equal(system.max_severity, 'critical', 'thousands of major faults per second');
  assert.equal(ctx(system).from, 'page_fault_tracer', 'the tracer supersedes /proc/vmstat');
  assert.match(proc.entity_name, /python/);
  assert.match(proc.entity_id, /^\d+:\d+$/);
  assert.equal(system.status, 'resolved');
  // Minor faults in this run were nowhere near a storm.
  assert.equal(signals(db, 'page_fault_storm').length, 0);
});

test('vmstat alone (no page-fault tracer) still reports major faults; per-process rates use the interval', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const events: KsEvent[] = [0, 5].map((ts) => ev('vmstat', ts, { pgmajfault_per_s: 300 }));
  replay(engine, db, events);
  const [s] = signals(db, 'excessive_major_faults');
  assert.equal(s.severity, 'medium');
  assert.equal(ctx(s).from, 'vmstat');
  // A process line over a 2 s interval: 300 faults = 150/s -> medium on the process ladder (20/100/500/2000).
  replay(engine, db, [10, 12].map((ts) => ev('page_fault', ts, { interval_s: 2, pid: 4_194_303, comm: 'reader', major: 300, minor: 10 })));
  const proc = signals(db, 'excessive_major_faults').find((r) => r.entity_type === 'process')!;
  assert.equal(proc.severity, 'medium');
  assert.equal(proc.entity_id, '4194303:0');
  assert.ok(sevRank(proc.max_severity) >= sevRank('medium'));
});
