// The read model on a real temp database: rows written the way ingest and the
// agent write them, read back through a read-only handle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../agent/audit/audit-log.js';
import { CycleStore } from '../../agent/cycle-store.js';
import { openDatabase, writeTx, type Db } from '../../lib/db.js';
import { baselines } from '../../lib/read-model/baselines.js';
import { decisionHistory, decisions, lastAuditRow, lastCycle } from '../../lib/read-model/decisions.js';
import { latestPerGroup, latestRow, latestValue } from '../../lib/read-model/latest.js';
import { MetricNameError, resolveMetric, unitOf } from '../../lib/read-model/metrics.js';
import { series, seriesBuckets, seriesSum } from '../../lib/read-model/series.js';
import { evidenceOf, openCounts, openSignals, recentSignals, relatedSignals, signalById } from '../../lib/read-model/signals.js';
import { collectors, statusFigures } from '../../lib/read-model/status.js';
import { insertSignal, tempDb } from '../fixtures/agent/db.js';

const T0 = 1_800_000_000;

function setup(t: { after(fn: () => void): void }): { w: Db; r: () => Db } {
  const tmp = tempDb();
  let reader: Db | undefined;
  t.after(() => { reader?.close(); tmp.cleanup(); });
  return { w: tmp.db, r: () => (reader ??= openDatabase(tmp.file, { readonly: true })) };
}

function insertPsi(db: Db, ts: number, resource: string, some10: number): void {
  db.prepare(`INSERT INTO psi_metrics (timestamp, resource, some_avg10, some_avg60, some_avg300, full_avg10, full_avg60, full_avg300, some_stall_ms_per_s)
    VALUES (?, ?, ?, 0, 0, NULL, NULL, NULL, 0)`).run(ts, resource, some10);
}

function insertCpu(db: Db, ts: number, busy: number): void {
  db.prepare(`INSERT INTO cpu_metrics (timestamp, interval_s, cpus, user_pct, system_pct, iowait_pct, irq_pct, steal_pct, idle_pct, busy_pct,
    ctxt_per_s, procs_running, procs_blocked) VALUES (?, 1, 2, 0, 0, 0, 0, 0, ?, ?, 0, 1, 0)`).run(ts, 100 - busy, busy);
}

function insertVmstat(db: Db, ts: number, swapIn: number, swapOut: number, ooms: number): void {
  db.prepare(`INSERT INTO vmstat_metrics (timestamp, interval_s, pgfault_per_s, pgmajfault_per_s, pswpin_per_s, pswpout_per_s, oom_kill_delta,
    pgscan_per_s, pgsteal_per_s) VALUES (?, 1, 0, 0, ?, ?, ?, 0, 0)`).run(ts, swapIn, swapOut, ooms);
}

test('latest row, latest row per group, a metric\'s latest value; a window excludes old rows', (t) => {
  const { w, r } = setup(t);
  writeTx(w, () => {
    insertCpu(w, T0, 10);
    insertCpu(w, T0 + 10, 30);
    for (const [res, v] of [['cpu', 1], ['memory', 2], ['io', 3]] as const) insertPsi(w, T0, res, v);
    for (const [res, v] of [['cpu', 11], ['memory', 12], ['io', 13]] as const) insertPsi(w, T0 + 10, res, v);
  });
  const db = r();
  assert.equal(latestRow(db, 'cpu_metrics')?.busy_pct, 30);
  assert.equal(latestRow(db, 'cpu_metrics')?.timestamp, T0 + 10, 'timestamps stay epoch seconds');
  assert.equal(latestRow(db, 'cpu_metrics', { sinceS: T0 + 11 }), undefined, 'nothing recent enough');
  assert.equal(latestRow(db, 'psi_metrics', { group: { column: 'resource', value: 'memory' } })?.some_avg10, 12);
  const psi = latestPerGroup(db, 'psi_metrics');
  assert.deepEqual(psi.map((x) => [x.resource, x.some_avg10]), [['cpu', 11], ['memory', 12], ['io', 13]]);
  assert.deepEqual(latestPerGroup(db, 'psi_metrics', { sinceS: T0 + 11 }), []);
  assert.deepEqual(latestPerGroup(db, 'block_stats'), [], 'an empty table');
  assert.deepEqual(latestValue(db, resolveMetric(db, 'psi.io.some_avg10')), { t: T0 + 10, v: 13 });
});

test('the catalogue: units, groups, derived metrics; bad names say what exists', (t) => {
  const { w, r } = setup(t);
  insertPsi(w, T0, 'memory', 5);
  const db = r();
  const m = resolveMetric(db, 'psi.memory.some_avg10');
  assert.equal(m.table, 'psi_metrics');
  assert.equal(m.unit, 'percent');
  assert.deepEqual([m.groupBy, m.group, m.min, m.max], ['resource', 'memory', 0, 100]);
  assert.equal(resolveMetric(db, 'net.eth0.100.rx_bytes_per_s').group, 'eth0.100', 'interface names with dots');
  assert.equal(resolveMetric(db, 'memory.used_fraction').max, 1);
  assert.equal(resolveMetric(db, 'vmstat.swap_pages_per_s').sql, 'pswpin_per_s + pswpout_per_s');
  assert.equal(resolveMetric(db, 'tcp.close_wait').unit, 'count', 'a column outside the named list resolves too');
  assert.equal(unitOf('block.vda.await_ms'), 'milliseconds');
  assert.equal(unitOf('nonsense'), undefined);
  assert.throws(() => resolveMetric(db, 'disk.x'), (e: Error) => e instanceof MetricNameError && /starts with one of cpu, memory/.test(e.message));
  assert.throws(() => resolveMetric(db, 'psi.some_avg10'), /psi\.<resource>\.<column>; resource values: memory/);
  assert.throws(() => resolveMetric(db, 'cpu.busy_pct; DROP TABLE x'), /cpu has no column .*columns: .*busy_pct/);
});

test('series: thinned points, and N buckets with the right min/avg/max each', (t) => {
  const { w, r } = setup(t);
  // 0..99 one per second; psi rows for two resources on the same timestamps.
  writeTx(w, () => {
    for (let i = 0; i < 100; i++) {
      insertCpu(w, T0 + i, i);
      insertPsi(w, T0 + i, 'cpu', i);
      insertPsi(w, T0 + i, 'io', 1000 + i);
      insertVmstat(w, T0 + i, i, 1, i % 10 === 0 ? 1 : 0);
    }
  });
  const db = r();
  const busy = resolveMetric(db, 'cpu.busy_pct');
  const all = series(db, busy, { sinceS: T0 });
  assert.equal(all.length, 100);
  assert.deepEqual(all[0], { t: T0, v: 0 });
  const thin = series(db, busy, { sinceS: T0 }, 10);
  assert.deepEqual(thin.map((p) => p.v), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90], 'evenly thinned real samples');
  assert.deepEqual(series(db, busy, { sinceS: T0 + 95, untilS: T0 + 97 }).map((p) => p.v), [95, 96, 97]);
  assert.deepEqual(series(db, resolveMetric(db, 'psi.io.some_avg10'), { sinceS: T0 + 98 }).map((p) => p.v), [1098, 1099], 'one group only');
  assert.deepEqual(series(db, resolveMetric(db, 'vmstat.swap_pages_per_s'), { sinceS: T0 + 98 }).map((p) => p.v), [99, 100], 'a derived metric');

  // [T0, T0+100) in 4 buckets of 25 s: values 0-24, 25-49, 50-74, 75-99.
  const b = seriesBuckets(db, busy, { sinceS: T0, untilS: T0 + 100 }, 4);
  assert.deepEqual(b, [
    { t: T0, min: 0, avg: 12, max: 24, n: 25 },
    { t: T0 + 25, min: 25, avg: 37, max: 49, n: 25 },
    { t: T0 + 50, min: 50, avg: 62, max: 74, n: 25 },
    { t: T0 + 75, min: 75, avg: 87, max: 99, n: 25 },
  ]);
  // The sample exactly at the window's end goes into the last bucket; empty buckets are left out.
  const tail = seriesBuckets(db, resolveMetric(db, 'psi.io.some_avg10'), { sinceS: T0 + 60, untilS: T0 + 99 }, 3);
  assert.deepEqual(tail.map((x) => [x.t, x.min, x.max, x.n]), [[T0 + 60, 1060, 1072, 13], [T0 + 73, 1073, 1085, 13], [T0 + 86, 1086, 1099, 14]]);
  assert.deepEqual(seriesBuckets(db, busy, { sinceS: T0 + 500, untilS: T0 + 600 }, 5), []);
  assert.throws(() => seriesBuckets(db, busy, { sinceS: T0, untilS: T0 + 10 }, 0), /buckets must be a positive integer, got 0/);
  assert.equal(seriesSum(db, resolveMetric(db, 'vmstat.oom_kill_delta'), { sinceS: T0 + 50 }), 5);
});

test('signals: open by severity or by pressure, recent, one with its evidence, related, counts', (t) => {
  const { w, r } = setup(t);
  const low = insertSignal(w, { type: 'cpu_saturation', severity: 'low', pressure: 0.9 });
  const high = insertSignal(w, { type: 'memory_pressure', severity: 'high', pressure: 0.5, context: { available_pct: 3 } });
  const proc = insertSignal(w, { type: 'runaway_process', severity: 'medium', pressure: 0.7, entity: { type: 'process', id: '42:7', name: 'hog' } });
  w.prepare("UPDATE signal_metadata SET patterns = '[\"rising\"]', reasoning_hints = 'not json' WHERE signal_id = ?").run(high);
  w.prepare("UPDATE signal_metadata SET status = 'resolved', resolved_at = last_seen, last_seen = last_seen - 10000, first_seen = first_seen - 10000 WHERE signal_id = ?").run(low);
  const old = insertSignal(w, { type: 'tcp_retransmits', severity: 'critical', pressure: 0.2 });
  w.prepare('UPDATE signal_metadata SET last_seen = last_seen - 5000 WHERE signal_id = ?').run(old);
  const db = r();
  const now = Date.now() / 1000;
  assert.deepEqual(openSignals(db).map((s) => s.signal_id), [old, high, proc], 'most severe first');
  assert.deepEqual(openSignals(db, { order: 'pressure', sinceS: now - 600 }).map((s) => s.signal_id), [proc, high], 'the agent\'s view: recent, by pressure');
  assert.deepEqual(openSignals(db, { limit: 1 }).map((s) => s.signal_id), [old]);
  assert.deepEqual(recentSignals(db, now - 600).map((s) => s.signal_id).sort(), [high, proc].sort());
  assert.deepEqual(openCounts(db), { critical: 1, high: 1, medium: 1 });
  const s = signalById(db, high)!;
  assert.equal(s.status, 'open');
  assert.deepEqual(evidenceOf(s), { patterns: ['rising'], hints: [], context: { available_pct: 3 } }, 'broken JSON reads as empty');
  assert.equal(signalById(db, 9999), undefined);
  assert.deepEqual(relatedSignals(db, s, 300).map((x) => x.signal_id).sort(), [proc].sort(), 'overlapping in time; not the old ones');
});

test('decisions: newest first with their latest status (refused operations skipped), history, the last cycle and audit row', (t) => {
  const { w, r } = setup(t);
  const audit = new AuditLog(w);
  const cycles = new CycleStore(w);
  const c1 = cycles.start('dry_run', T0);
  cycles.finish(c1, { status: 'ok', decidedBy: 'rules' }, T0 + 1);
  const d1 = audit.append({ cycleId: c1, action: 'renice', status: 'dry_run', decidedBy: 'rules', targetPid: 42, targetComm: 'hog', confidence: 0.8 }, T0);
  const d2 = audit.append({ action: 'drop_caches', status: 'pending_approval', decidedBy: 'model', targetKey: 'system' }, T0 + 5);
  audit.append({ refActionId: d2.id, action: 'drop_caches', status: 'approved', decidedBy: 'operator' }, T0 + 6);
  audit.append({ refActionId: d2.id, action: 'drop_caches', status: 'refused', refusedRule: 'cooldown', decidedBy: 'operator' }, T0 + 7);
  const c2 = cycles.start('live', T0 + 10);
  const db = r();
  const ds = decisions(db, 10);
  assert.deepEqual(ds.map((d) => [d.id, d.action, d.latest_status]), [[d2.id, 'drop_caches', 'approved'], [d1.id, 'renice', 'dry_run']]);
  assert.equal(ds[1]!.ts, T0);
  assert.equal(ds[1]!.confidence, 0.8);
  assert.deepEqual(decisions(db, 1).map((d) => d.id), [d2.id]);
  assert.deepEqual(decisionHistory(db, d2.id).map((x) => x.status), ['pending_approval', 'approved', 'refused']);
  assert.equal(lastAuditRow(db)?.status, 'refused');
  assert.deepEqual(lastCycle(db), { id: c2, started_at: T0 + 10, finished_at: null, status: 'running', mode: 'live', decided_by: null });
  assert.deepEqual(new AuditLog(w).decisions(10).map((d) => d.id), ds.map((d) => d.id), 'the writer reads the same way');
});

test('status figures and collectors; baselines with sd and unit', (t) => {
  const { w, r } = setup(t);
  w.exec("INSERT INTO collectors (name, last_event_ts, event_count, error_count, updated_at) VALUES ('scraper.memory', 5, 40, 1, 5), ('cpu', 6, 2, 0, 6)");
  w.prepare(`INSERT INTO baseline_snapshots (metric, count, mean, m2, ewma, ewm_var, min, max, last_value, updated_at)
    VALUES ('block.vda.await_ms', 5, 2, 16, 3, 4, 1, 9, 3, ?), ('cpu.busy_pct', 1, 10, 0, 10, -1, 10, 10, 10, ?)`).run(T0, T0);
  insertSignal(w, { type: 'memory_pressure', severity: 'high', pressure: 0.5 });
  const db = r();
  assert.deepEqual(collectors(db).map((c) => [c.name, c.event_count]), [['cpu', 2], ['scraper.memory', 40]]);
  assert.deepEqual(statusFigures(db), { totalEvents: 42, openSignals: 1, lastAction: null });
  const b = baselines(db);
  assert.deepEqual(b.map((x) => [x.metric, x.sd, x.ewSd, x.unit]), [['block.vda.await_ms', 2, 2, 'milliseconds'], ['cpu.busy_pct', 0, 0, 'percent']]);
  assert.deepEqual(baselines(db, { order: 'count', limit: 1 }).map((x) => x.metric), ['block.vda.await_ms']);
});
