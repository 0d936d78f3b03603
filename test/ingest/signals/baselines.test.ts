// Baselines: Welford/EWMA arithmetic, persistence across a restart, and the
// anomaly rule (>= 60 samples, z > 4 AND a material change, 3 samples in a row).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSignalEngine } from '../../../ingest/signals/index.js';
import { RunningStats } from '../../../ingest/signals/classifiers/baseline-stats.js';
import type { KsEvent } from '../../../lib/events.js';
import { ctx, ev, readFixture, replay, signals, tempDb } from './helpers.js';

test('Welford mean/variance match the two-pass formulas; EWMA follows the recent past', async () => {
  const xs = [3, 7, 7, 19, 24, 1, 0.5, 11, 9, 4];
  const st = RunningStats.empty('m');
  xs.forEach((x, i) => st.add(x, i, 0.5));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  assert.ok(Math.abs(st.row.mean - mean) < 1e-12);
  assert.ok(Math.abs(st.std - Math.sqrt(variance)) < 1e-12);
  assert.equal(st.row.min, 0.5);
  assert.equal(st.row.max, 24);
  assert.equal(st.row.last_value, 4);
  let ewma = xs[0];
  for (const x of xs.slice(1)) ewma += 0.5 * (x - ewma);
  assert.ok(Math.abs(st.row.ewma - ewma) < 1e-12);
});

const cpu = (ts: number, busy: number) => ev('cpu', ts, { busy_pct: busy, idle_pct: 100 - busy });

test('baselines persist to baseline_snapshots and survive a restart', async (t) => {
  const { db } = tempDb(t);
  const a = createSignalEngine({ cpus: 2, persistEveryS: 10 });
  const events: KsEvent[] = [];
  for (let i = 0; i < 40; i++) events.push(cpu(1000 + i * 5, 5 + (i % 3)));
  replay(a, db, events);
  const row = db.prepare("SELECT * FROM baseline_snapshots WHERE metric = 'cpu.busy_pct'").get() as { count: number; mean: number };
  assert.ok(row.count >= 38, `persisted while running (count ${row.count})`);
  a.flush(db, 2000);
  const b = createSignalEngine({ cpus: 2, persistEveryS: 10 });
  replay(b, db, [cpu(1200, 6)]);
  b.flush(db, 2001);
  const after = db.prepare("SELECT count, mean FROM baseline_snapshots WHERE metric = 'cpu.busy_pct'").get() as { count: number; mean: number };
  assert.equal(after.count, 41, 'the new engine continued the stored statistics');
  assert.ok(Math.abs(after.mean - 6) < 0.1);
});

test('an anomaly needs 60 samples, a sustained material jump, and clears when the metric returns', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const events: KsEvent[] = [];
  let ts = 0;
  for (let i = 0; i < 59; i++) events.push(cpu((ts += 5), 4 + (i % 2)));
  events.push(cpu((ts += 5), 70), cpu((ts += 5), 70), cpu((ts += 5), 70));
  replay(engine, db, events);
  assert.equal(signals(db, 'baseline_anomaly').length, 0, 'the jump started before 60 samples were in');
  for (let i = 0; i < 120; i++) replay(engine, db, [cpu((ts += 5), 4 + (i % 2))]);
  replay(engine, db, [cpu((ts += 5), 70), cpu((ts += 5), 4)]);
  assert.equal(signals(db, 'baseline_anomaly').length, 0, 'a one-sample spike is not a change');
  replay(engine, db, [cpu((ts += 5), 75), cpu((ts += 5), 76), cpu((ts += 5), 77)]);
  const [s] = signals(db, 'baseline_anomaly');
  assert.ok(s, 'three samples far above the baseline');
  assert.equal(s.signal_category, 'baseline');
  assert.equal(s.dedup_key, 'baseline_anomaly|system|host|cpu.busy_pct');
  assert.equal(s.severity, 'medium', 'z >= 8 and more than twice the 25-point minimum change');
  assert.ok(ctx(s).z > 4 && ctx(s).count >= 60);
  assert.match(s.summary, /^cpu\.busy_pct is 77, above its recent baseline/);
  replay(engine, db, [cpu((ts += 5), 5), cpu((ts += 5), 5), cpu((ts += 5), 5)]);
  assert.equal(signals(db, 'baseline_anomaly')[0].status, 'resolved');
});

test('a near-constant metric does not fire on a change nobody would notice', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const events: KsEvent[] = [];
  let ts = 0;
  for (let i = 0; i < 80; i++) events.push(cpu((ts += 5), 2)); // std exactly 0
  for (let i = 0; i < 5; i++) events.push(cpu((ts += 5), 9)); // z = infinite without a floor; +7 points
  replay(engine, db, events);
  assert.deepEqual(signals(db, 'baseline_anomaly'), []);
});

test('a recorded scrape gives every scraped metric a baseline row, and judges nothing before 60 samples', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine();
  replay(engine, db, await readFixture('idle.ndjson'));
  engine.flush(db);
  const metrics = db.prepare('SELECT metric FROM baseline_snapshots').all() as { metric: string }[];
  assert.deepEqual(signals(db, 'baseline_anomaly'), [], 'fewer than 60 samples: nothing judged yet');
  const names = metrics.map((m) => m.metric);
  for (const m of ['cpu.busy_pct', 'memory.used_fraction', 'load.load1_per_cpu', 'psi.io.some_avg10', 'block.vda.await_ms']) {
    assert.ok(names.includes(m), `${m} in ${names.join(', ')}`);
  }
  assert.ok(!names.some((n) => n.startsWith('block.loop')), 'loop devices have no baseline');
});
