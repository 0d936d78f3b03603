// Edge cases every classifier must survive: the first sample after start, a
// counter reset (one absurd rate: negative, or a huge spike from a wrapped
// counter), zero-length intervals, and a classifier-free event stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSignalEngine } from '../../../ingest/signals/index.js';
import type { KsEvent } from '../../../lib/events.js';
import { ev, replay, signals, tempDb } from './helpers.js';

test('a counter reset (one negative or absurd sample) opens nothing and crashes nothing', (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const events: KsEvent[] = [];
  for (let ts = 0; ts < 60; ts += 5) {
    const reset = ts === 30;
    events.push(ev('net_if', ts, { iface: 'eth0', rx_packets_per_s: reset ? -5e9 : 100, rx_drops_per_s: reset ? 4e9 : 0 }));
    events.push(ev('vmstat', ts, { pgmajfault_per_s: reset ? 1e12 : 0, pswpin_per_s: reset ? -1e9 : 0, oom_kill_delta: 0 }));
    events.push(ev('tcp', ts, { retrans_per_s: reset ? 1e9 : 0, out_segs_per_s: reset ? -3 : 10 }));
    events.push(ev('block', ts, { util_pct: reset ? 1e6 : 1, queue_depth: reset ? 1e6 : 0, await_ms: reset ? -1 : 0.2 }));
    events.push(ev('page_fault_summary', ts, { interval_s: reset ? 0 : 5, major: reset ? 1e9 : 0 }));
  }
  replay(engine, db, events);
  assert.deepEqual(signals(db), [], 'the 2-sample gate absorbs one bad sample');
  assert.equal(engine.stats().errors, 0);
});

test('the first sample after start judges with what it has and opens nothing alone', (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  replay(engine, db, [
    ev('memory', 0, { total_kb: 1000, available_kb: 1 }), // 99.9% used, no swap, no PSI, no history
    ev('cpu', 0, { busy_pct: 100, procs_running: 40 }),
    ev('tcp', 0, { time_wait: 9000 }),
    ev('block', 0, { util_pct: 100, queue_depth: 100, await_ms: 900 }),
  ]);
  assert.deepEqual(signals(db), []);
  assert.equal(engine.stats().errors, 0);
});

test('events no classifier handles pass through without signals or errors', (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  replay(engine, db, [0, 5, 10].map((ts) => ev('tracer_stats', ts, { tracer: 'syscall_tracer', drops: 100, events: 5 })));
  assert.deepEqual(signals(db), []);
  assert.equal(engine.stats().errors, 0);
});

test('a total of zero (empty /proc/meminfo fields) is skipped, not divided by', (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  replay(engine, db, [0, 5, 10].map((ts) => ev('memory', ts, { total_kb: 0, available_kb: 0 })));
  assert.deepEqual(signals(db), []);
  assert.equal(engine.stats().errors, 0);
  const metrics = db.prepare("SELECT COUNT(*) AS n FROM baseline_snapshots WHERE metric = 'memory.used_fraction'").get() as { n: number };
  assert.equal(metrics.n, 0, 'no NaN baseline either');
});
