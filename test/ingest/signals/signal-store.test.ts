// The signal store on a real database: duration gates, hysteresis, dedup into
// one row per ongoing condition, staleness, and continuity across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignalStore } from '../../../ingest/signals/signal-store.js';
import type { Gate, Level, Observation, SignalDraft } from '../../../ingest/signals/signal.js';
import { type Severity } from '../../../lib/severity.js';
import { ctx, signals, tempDb } from './helpers.js';

const GATE: Gate = { enterSamples: 2, exitSamples: 2, staleS: 60 };
const KEY = 'cpu_saturation|system|host';

function draft(severity: Severity, n: number): SignalDraft {
  return {
    category: 'symptom', type: 'cpu_saturation', scope: 'system', label: 'CPU saturation', severity, score: n / 10,
    summary: `sample ${n}`, patterns: ['p'], hints: ['h'], entity: { type: 'system', id: 'host', name: 'host' },
    context: { n }, source: { table: 'cpu_metrics', id: n },
  };
}
const obs = (ts: number, level: Level, severity: Severity = 'medium', gate = GATE): Observation =>
  ({ key: KEY, ts, level, gate, draft: draft(severity, ts) });

test('one sample over the enter level opens nothing; the second in a row does', (t) => {
  const { db } = tempDb(t);
  const s = new SignalStore(() => 60);
  s.apply(db, obs(1, 'enter'));
  s.apply(db, obs(2, 'exit'));
  s.apply(db, obs(3, 'enter'));
  assert.equal(signals(db).length, 0, 'enter, exit, enter: the streak restarted');
  s.apply(db, obs(4, 'enter'));
  const [row] = signals(db);
  assert.equal(row.status, 'open');
  assert.equal(row.first_seen, 3);
  assert.equal(row.timestamp, 3);
  assert.equal(row.last_seen, 4);
  assert.equal(row.occurrence_count, 2);
  assert.equal(row.dedup_key, KEY);
  assert.equal(ctx(row).opened_at, 4);
  assert.deepEqual(ctx(row).first_source, { table: 'cpu_metrics', id: 4 });
});

test('an ongoing condition is one row whose last_seen, count and severities advance', (t) => {
  const { db } = tempDb(t);
  const s = new SignalStore(() => 60);
  s.apply(db, obs(1, 'enter', 'low'));
  s.apply(db, obs(2, 'enter', 'low'));
  s.apply(db, obs(3, 'enter', 'critical'));
  s.apply(db, obs(4, 'hold', 'none'));
  s.apply(db, obs(5, 'enter', 'medium'));
  s.flush(db);
  const rows = signals(db);
  assert.equal(rows.length, 1);
  const [r] = rows;
  assert.equal(r.last_seen, 5);
  assert.equal(r.occurrence_count, 5);
  assert.equal(r.severity, 'medium', 'severity is the current one');
  assert.equal(r.max_severity, 'critical');
  assert.equal(r.summary, 'sample 5');
  assert.equal(r.source_id, 5, 'source follows the latest evidence');
  assert.equal(ctx(r).n, 5);
  assert.equal(ctx(r).opened_at, 2, 'store metadata survives the context update');
});

test('hysteresis: holds keep it open, exit needs two exits in a row, then it resolves', (t) => {
  const { db } = tempDb(t);
  const s = new SignalStore(() => 60);
  for (const ts of [1, 2]) s.apply(db, obs(ts, 'enter'));
  s.apply(db, obs(3, 'exit'));
  s.apply(db, obs(4, 'hold', 'none'));
  s.apply(db, obs(5, 'exit'));
  s.flush(db);
  assert.equal(signals(db)[0].status, 'open', 'exit, hold, exit is not two exits in a row');
  assert.equal(signals(db)[0].severity, 'low', 'an open row never says "none"');
  s.apply(db, obs(6, 'exit'));
  const [r] = signals(db);
  assert.equal(r.status, 'resolved');
  assert.equal(r.resolved_at, 6);
  assert.equal(r.last_seen, 4, 'last_seen is the last evidence, not the exit samples');
  // A new episode is a new row; the resolved one stays as history.
  s.apply(db, obs(10, 'enter'));
  s.apply(db, obs(11, 'enter'));
  const rows = signals(db);
  assert.deepEqual(rows.map((x) => x.status), ['resolved', 'open']);
});

test('staleness: no evidence for staleS resolves at tick time; abandoned gates are forgotten', (t) => {
  const { db } = tempDb(t);
  const s = new SignalStore(() => 60);
  s.apply(db, obs(100, 'enter'));
  s.apply(db, obs(101, 'enter'));
  s.expire(db, 150);
  assert.equal(signals(db)[0].status, 'open');
  s.expire(db, 162);
  const [r] = signals(db);
  assert.equal(r.status, 'resolved');
  assert.equal(r.resolved_at, 162);
  // One enter, then silence past staleS: the half-passed gate must not open later.
  s.apply(db, obs(200, 'enter'));
  s.expire(db, 300);
  s.apply(db, obs(301, 'enter'));
  assert.equal(signals(db).length, 1);
});

test('enterSeconds: enough samples are not enough until the condition lasted long enough', (t) => {
  const { db } = tempDb(t);
  const s = new SignalStore(() => 60);
  const gate: Gate = { enterSamples: 2, enterSeconds: 60, exitSamples: 2, staleS: 120 };
  for (let ts = 0; ts < 60; ts += 5) s.apply(db, obs(ts, 'enter', 'low', gate));
  assert.equal(signals(db).length, 0);
  s.apply(db, obs(60, 'enter', 'low', gate));
  assert.equal(signals(db).length, 1);
  assert.equal(signals(db)[0].first_seen, 0);
});

test('a restarted store continues the open row instead of adding one', (t) => {
  const { db } = tempDb(t);
  const a = new SignalStore(() => 60);
  for (const ts of [1, 2, 3]) a.apply(db, obs(ts, 'enter'));
  a.flush(db);
  const b = new SignalStore(() => 60);
  b.apply(db, obs(4, 'enter', 'high'));
  b.flush(db);
  let rows = signals(db);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].occurrence_count, 4);
  assert.equal(rows[0].max_severity, 'high');
  assert.equal(rows[0].last_seen, 4);
  // The reloaded row goes stale like any other.
  b.expire(db, 100);
  rows = signals(db);
  assert.equal(rows[0].status, 'resolved');
});

test('the database refuses a second open row for one key', (t) => {
  const { db } = tempDb(t);
  const s = new SignalStore(() => 60);
  for (const ts of [1, 2]) s.apply(db, obs(ts, 'enter'));
  assert.throws(() => db.prepare(`INSERT INTO signal_metadata (timestamp, signal_category, signal_type, scope, semantic_label,
    severity, pressure_score, summary, first_seen, last_seen, max_severity, dedup_key)
    VALUES (1, 'symptom', 'cpu_saturation', 'system', 'x', 'low', 0, 'x', 1, 1, 'low', ?)`).run(KEY), /UNIQUE/);
});
