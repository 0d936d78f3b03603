// Shared by the classifier tests: a real SQLite file in a temp dir, events stored
// in their real raw tables (so signals link to real rows), recorded fixtures, and
// a driver that replays events in scrape rounds the way ingest delivers them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNdjsonFile } from '../../../lib/ndjson.js';
import type { TestContext } from 'node:test';
import { openDatabase, type Db } from '../../../lib/db.js';
import { EVENT_SPECS, fieldNames, makeEvent, validateEvent, type EventOf, type EventType, type KsEvent } from '../../../lib/events.js';
import { ROOT } from '../../../lib/paths.js';
import type { EventObserver, StoredEvent } from '../../../ingest/observer.js';

export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'classifiers');

export function tempDb(t: TestContext): { db: Db; file: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-classify-'));
  const file = path.join(dir, 'ks.db');
  const db = openDatabase(file);
  t.after(() => {
    if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { db, file, dir };
}

/** Insert an event into its raw table, as ingest does, and return what ingest hands observers. */
export function storeEvent(db: Db, ev: KsEvent): StoredEvent {
  const table = EVENT_SPECS[ev.type].table;
  const names = fieldNames(ev.type);
  const row = ev as unknown as Record<string, unknown>;
  const sql = `INSERT INTO ${table} (timestamp, ${names.join(', ')}) VALUES (?${', ?'.repeat(names.length)})`;
  const info = db.prepare(sql).run(ev.ts, ...names.map((n) => (typeof row[n] === 'boolean' ? Number(row[n]) : row[n] ?? null)));
  return { event: ev, table, rowId: Number(info.lastInsertRowid) };
}

export async function readFixture(name: string): Promise<KsEvent[]> {
  return (await readNdjsonFile(path.join(FIXTURES, name))).map((e) => validateEvent(e, Number.MAX_SAFE_INTEGER));
}

/**
 * Replay events through an observer: one batch per distinct second (a scrape
 * round), each in a transaction like ingest's, then tick() at that time.
 * Returns the timestamps of the batches.
 */
export function replay(engine: EventObserver, db: Db, events: readonly KsEvent[], opts: { tick?: boolean } = {}): number[] {
  const rounds: KsEvent[][] = [];
  for (const ev of [...events].sort((a, b) => a.ts - b.ts)) {
    const last = rounds[rounds.length - 1];
    if (last && Math.floor(last[0].ts) === Math.floor(ev.ts)) last.push(ev);
    else rounds.push([ev]);
  }
  const times: number[] = [];
  for (const round of rounds) {
    db.transaction(() => engine.observe(db, round.map((ev) => storeEvent(db, ev))))();
    const now = round[round.length - 1].ts;
    if (opts.tick !== false) engine.tick(db, now);
    times.push(now);
  }
  return times;
}

export interface SignalRow {
  signal_id: number; timestamp: number; signal_category: string; signal_type: string; scope: string;
  semantic_label: string; severity: string; pressure_score: number; summary: string; patterns: string;
  reasoning_hints: string; source_table: string; source_id: number; entity_type: string; entity_id: string;
  entity_name: string; context_json: string; first_seen: number; last_seen: number; occurrence_count: number;
  max_severity: string; status: string; resolved_at: number | null; dedup_key: string;
}

export function signals(db: Db, type?: string): SignalRow[] {
  return (type
    ? db.prepare('SELECT * FROM signal_metadata WHERE signal_type = ? ORDER BY signal_id').all(type)
    : db.prepare('SELECT * FROM signal_metadata ORDER BY signal_id').all()) as SignalRow[];
}

export const ctx = (s: SignalRow): Record<string, any> => JSON.parse(s.context_json) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export { rank as sevRank } from '../../../lib/severity.js';

/** An event with every field defaulted to a calm value, overridden by `fields`. */
export function ev<T extends EventType>(type: T, ts: number, fields: Partial<Omit<EventOf<T>, 'v' | 'type' | 'ts'>>): EventOf<T> {
  return makeEvent(type, { ...(CALM[type] as object), ...fields } as Omit<EventOf<T>, 'v' | 'type' | 'ts'>, ts);
}

const CALM: { [T in EventType]: Omit<EventOf<T>, 'v' | 'type' | 'ts'> } = {
  syscall: { pid: 1, tid: 1, comm: 'x', uid: 0, cpu: 0, syscall_nr: 0, syscall: 'read', latency_ms: 10, ret: 0 },
  sched: { interval_s: 5, pid: 1, comm: 'x', oncpu_ms: 0, voluntary: 0, involuntary: 0, wakeups: 0, runq_count: 0,
    runq_p50_us: 0, runq_p95_us: 0, runq_p99_us: 0, runq_max_us: 0 },
  sched_summary: { interval_s: 5, switches: 5000, voluntary: 4000, involuntary: 1000, wakeups: 5000, runq_count: 5000,
    runq_p50_us: 5, runq_p95_us: 40, runq_p99_us: 100, runq_max_us: 900, nr_procs: 120 },
  page_fault: { interval_s: 5, pid: 1, comm: 'x', minor: 0, major: 0 },
  page_fault_summary: { interval_s: 5, minor: 5000, major: 0, nr_procs: 20 },
  io_latency: { interval_s: 5, dev: 'vda', op: 'write', count: 100, bytes: 409600, iops: 20, p50_us: 300, p95_us: 900,
    p99_us: 1500, max_us: 2000, mean_us: 400 },
  tracer_stats: { tracer: 'x', interval_s: 5, events: 0, drops: 0 },
  memory: { total_kb: 16_000_000, free_kb: 8_000_000, available_kb: 12_000_000, buffers_kb: 100_000, cached_kb: 4_000_000,
    swap_total_kb: 0, swap_free_kb: 0, dirty_kb: 1000, writeback_kb: 0, anon_kb: 3_000_000, shmem_kb: 10_000,
    slab_kb: 200_000, used_fraction: 0.25 },
  load: { load1: 0.1, load5: 0.1, load15: 0.1, cpus: 2, runnable: 1, total_threads: 200, load1_per_cpu: 0.05 },
  cpu: { interval_s: 5, cpus: 2, user_pct: 2, system_pct: 1, iowait_pct: 0, irq_pct: 0, steal_pct: 0, idle_pct: 97,
    busy_pct: 3, ctxt_per_s: 2000, procs_running: 1, procs_blocked: 0 },
  block: { interval_s: 5, dev: 'vda', reads_per_s: 1, writes_per_s: 5, read_kb_per_s: 4, write_kb_per_s: 40, util_pct: 1,
    queue_depth: 0.01, in_flight: 0, await_ms: 0.5 },
  net_if: { interval_s: 5, iface: 'eth0', rx_bytes_per_s: 1000, tx_bytes_per_s: 1000, rx_packets_per_s: 10, tx_packets_per_s: 10,
    rx_errors_per_s: 0, tx_errors_per_s: 0, rx_drops_per_s: 0, tx_drops_per_s: 0 },
  tcp: { interval_s: 5, established: 5, syn_sent: 0, syn_recv: 0, fin_wait1: 0, fin_wait2: 0, time_wait: 10, close: 0,
    close_wait: 0, last_ack: 0, listen: 3, closing: 0, total: 18, retrans_per_s: 0, out_segs_per_s: 10, retrans_ratio: 0 },
  psi: { resource: 'cpu', some_avg10: 0, some_avg60: 0, some_avg300: 0, full_avg10: 0, full_avg60: 0, full_avg300: 0,
    some_stall_ms_per_s: 0 },
  vmstat: { interval_s: 5, pgfault_per_s: 1000, pgmajfault_per_s: 0, pswpin_per_s: 0, pswpout_per_s: 0, oom_kill_delta: 0,
    pgscan_per_s: 0, pgsteal_per_s: 0 },
  process: { pid: 1, start_time: 1, comm: 'x', state: 'S', uid: 0, ppid: 0, cpu_pct: 0, rss_kb: 1000, threads: 1, nice: 0,
    major_faults_per_s: 0, rank_by: 'cpu' },
};
