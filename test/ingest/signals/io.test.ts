// I/O: block_device_saturation (scraper), io_congestion from PSI io (system) and
// from io_latency_tracer percentiles (device), on a recorded direct-I/O run and
// on edge cases (too few requests, missing PSI, loop devices).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSignalEngine } from '../../../ingest/signals/index.js';
import type { EventOf, KsEvent } from '../../../lib/events.js';
import { ctx, ev, readFixture, replay, signals, tempDb } from './helpers.js';

test('recorded 6 direct-I/O writers: device saturation and system I/O congestion, resolved after', async (t) => {
  const { db } = tempDb(t);
  const events = await readFixture('dd-direct.ndjson');
  const engine = createSignalEngine();
  replay(engine, db, events);
  const blocks = events.filter((e): e is EventOf<'block'> => e.type === 'block' && e.dev === 'vda');
  const firstBusy = blocks.find((b) => b.util_pct >= 85)!;

  const [sat] = signals(db, 'block_device_saturation');
  assert.ok(sat, 'vda saturation opened');
  assert.equal(sat.entity_type, 'device');
  assert.equal(sat.entity_id, 'vda');
  assert.equal(sat.dedup_key, 'block_device_saturation|device|vda');
  const n = blocks.filter((b) => b.ts >= firstBusy.ts && b.ts <= ctx(sat).opened_at).length;
  assert.ok(n <= 2, `opened on sample ${n} of the load`);
  assert.match(sat.summary, /^vda saturated: busy \d+% of the time, [\d.]+ requests queued on average/);
  assert.ok(ctx(sat).top_io === null || ctx(sat).top_io.pid > 0);

  const system = signals(db, 'io_congestion').filter((s) => s.scope === 'system');
  assert.equal(system.length, 1, 'PSI io: one system-wide row');
  assert.match(system[0].summary, /^I\/O congestion: tasks stalled on I\/O \d+% of the time/);
  assert.equal(system[0].source_table, 'psi_metrics');

  // Nothing in this run was slow per request (sub-ms awaits): no device latency signal.
  assert.equal(signals(db, 'io_congestion').filter((s) => s.scope === 'device').length, 0);

  // Once the writers stop the rows resolve (tick far enough for anything left to go stale).
  engine.tick(db, events[events.length - 1].ts + 120);
  assert.deepEqual(signals(db).filter((s) => s.status === 'open').map((s) => s.dedup_key), []);
});

test('device io_congestion from p95 latency, per op, only with enough requests', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const io = (ts: number, p95ms: number, count = 200, op = 'write') =>
    ev('io_latency', ts, { dev: 'sdb', op, count, p95_us: p95ms * 1000, p99_us: p95ms * 1500, max_us: p95ms * 2000, p50_us: 800, top_pid: 4_194_303, top_comm: 'backup' });
  replay(engine, db, [io(0, 900, 3), io(5, 900, 3)]);
  assert.deepEqual(signals(db), [], '3 requests say nothing about a p95');
  replay(engine, db, [io(10, 80), io(10, 2, 200, 'read'), io(15, 80), io(15, 2, 200, 'read')]);
  const rows = signals(db, 'io_congestion');
  assert.equal(rows.length, 1, 'writes are slow, reads are not');
  const [s] = rows;
  assert.equal(s.dedup_key, 'io_congestion|device|sdb|write');
  assert.equal(s.severity, 'medium', 'p95 80 ms: 50..100');
  assert.deepEqual(ctx(s).top_io, { pid: 4_194_303, start_time: 0, comm: 'backup' });
  assert.match(s.summary, /^sdb writes slow: p95 80 ms, p99 120 ms, max 160 ms over 200 requests/);
  // No more I/O lines for the device: the row goes stale and resolves.
  engine.tick(db, 15 + 61);
  assert.equal(signals(db, 'io_congestion')[0].status, 'resolved');
});

test('loop devices and an idle disk never signal; no PSI means no system io_congestion', async (t) => {
  const { db } = tempDb(t);
  const events: KsEvent[] = [];
  for (let ts = 0; ts < 30; ts += 5) {
    events.push(ev('block', ts, { dev: 'loop0', util_pct: 100, queue_depth: 30, await_ms: 400 }));
    events.push(ev('block', ts, { dev: 'vda', util_pct: 2, queue_depth: 0.02, await_ms: 0.4 }));
    events.push(ev('cpu', ts, { iowait_pct: 40, procs_blocked: 3 }));
  }
  replay(createSignalEngine({ cpus: 2 }), db, events);
  assert.deepEqual(signals(db), []);
});

test('util 100% with a shallow queue and fast requests is busy, not saturated', async (t) => {
  const { db } = tempDb(t);
  const events = [0, 5, 10].map((ts) => ev('block', ts, { dev: 'nvme0n1', util_pct: 100, queue_depth: 1.2, await_ms: 0.3 }));
  replay(createSignalEngine({ cpus: 2 }), db, events);
  assert.deepEqual(signals(db), []);
});
