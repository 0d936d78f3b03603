// Questions about a time window, answered from the rows recorded then: which
// processes used the most CPU, memory or I/O (process_metrics and the I/O tracer,
// never live /proc), each metric's peak and its baseline, the signals active and
// the decisions taken (signals.ts signalsIn, decisions.ts decisionsIn), and
// whether the window has data at all. Every number
// carries a citation: the table and row id it was read from. Times are epoch seconds.
import { tableExists, type Db } from '../db.js';
import { isoLocal } from '../time.js';
import type { TimeWindow } from '../time-window.js';
import { baselines } from './baselines.js';
import { resolveMetric, type Unit } from './metrics.js';

/** Where a number came from. */
export interface Cite { readonly table: string; readonly id: number; readonly at: number }

/** A citation as readers print it: "process_metrics#653". */
export const rowRef = (c: Pick<Cite, 'table' | 'id'>): string => `${c.table}#${c.id}`;

export interface Coverage {
  /** ok: samples across the window; partial: only part of it; missing: none. */
  readonly status: 'ok' | 'partial' | 'missing';
  readonly samples: number;
  /** First and last host sample inside the window. */
  readonly firstS: number | null;
  readonly lastS: number | null;
  /** Oldest and newest host sample in the database. */
  readonly oldestS: number | null;
  readonly newestS: number | null;
  /** Why the window has no or partial data, in words ('' when ok). */
  readonly reason: string;
}

/** A gap longer than this at either end of the window makes its data partial. */
const EDGE_GAP_S = 120;
/** The host heartbeat: the scraper writes a CPU row every interval. */
const HEARTBEAT = 'cpu_metrics';

export function coverage(db: Db, w: TimeWindow, nowS = Date.now() / 1000): Coverage {
  if (!tableExists(db, HEARTBEAT)) return { status: 'missing', samples: 0, firstS: null, lastS: null, oldestS: null, newestS: null, reason: 'no host samples table: the database was never written by ingest' };
  const all = db.prepare(`SELECT MIN(timestamp) AS a, MAX(timestamp) AS b FROM ${HEARTBEAT}`).get() as { a: number | null; b: number | null };
  const inW = db.prepare(`SELECT COUNT(*) AS n, MIN(timestamp) AS a, MAX(timestamp) AS b FROM ${HEARTBEAT} WHERE timestamp >= ? AND timestamp <= ?`).get(w.fromS, w.toS) as { n: number; a: number | null; b: number | null };
  const base = { samples: inW.n, firstS: inW.a, lastS: inW.b, oldestS: all.a, newestS: all.b };
  if (inW.n === 0) {
    let reason: string;
    if (all.a === null || all.b === null) reason = 'no host samples recorded at all yet';
    else if (w.toS < all.a) reason = `the window is older than the oldest sample kept (${isoLocal(all.a)}): raw rows are pruned after --retention-hours (default 24)`;
    else if (w.fromS > nowS) reason = 'the window is in the future';
    else if (w.fromS > all.b) reason = `nothing was recorded after ${isoLocal(all.b)}: KernelSight was not running (or not scraping) since`;
    else reason = 'no samples in the window: KernelSight was not running (or not scraping) then';
    return { ...base, status: 'missing', reason };
  }
  const end = Math.min(w.toS, nowS);
  const gaps: string[] = [];
  if (inW.a! - w.fromS > EDGE_GAP_S) gaps.push(w.fromS < (all.a ?? 0) ? `before ${isoLocal(inW.a!)} (older rows pruned or not yet recorded)` : `before ${isoLocal(inW.a!)}`);
  if (end - inW.b! > EDGE_GAP_S) gaps.push(`after ${isoLocal(inW.b!)}`);
  return { ...base, status: gaps.length ? 'partial' : 'ok', reason: gaps.length ? `no samples ${gaps.join(' or ')}` : '' };
}

/**
 * Each row with the row it peaked in, cited: the first row of `table` in the window
 * matching `cond` (placeholders filled by `key(row)`), by `order`.
 */
function withPeaks<R>(db: Db, w: TimeWindow, table: string, cond: string, order: string, rows: readonly R[], key: (r: R) => unknown[]): Array<R & { peak: Cite }> {
  const stmt = db.prepare(`SELECT id, timestamp AS at FROM ${table} WHERE ${cond} AND timestamp >= ? AND timestamp <= ? ORDER BY ${order}, id LIMIT 1`);
  return rows.map((r) => ({ ...r, peak: { table, ...(stmt.get(...key(r), w.fromS, w.toS) as { id: number; at: number }) } }));
}

export interface ProcessInWindow {
  readonly pid: number;
  readonly start_time: number;
  readonly comm: string;
  /** Samples in which it was among the top recorded processes. */
  readonly samples: number;
  readonly firstS: number;
  readonly lastS: number;
  readonly peak_rss_kb: number;
  readonly avg_cpu_pct: number;
  readonly max_cpu_pct: number;
  /** The row of its peak by the ranking used (RSS or CPU). */
  readonly peak: Cite;
}

/**
 * The processes that used the most memory (peak RSS) or CPU (summed over the
 * samples, i.e. CPU time) in the window. The scraper records only the top few
 * per sample, so a process outside them is not here.
 */
export function topProcessesIn(db: Db, w: TimeWindow, by: 'cpu' | 'rss', limit = 5): ProcessInWindow[] {
  if (!tableExists(db, 'process_metrics')) return [];
  // One row per process per sample: a process in both the CPU and the RSS top lists appears twice.
  const rows = db.prepare(`
    WITH s AS (SELECT pid, start_time, timestamp, MAX(comm) AS comm, MAX(cpu_pct) AS cpu, MAX(rss_kb) AS rss
               FROM process_metrics WHERE timestamp >= ? AND timestamp <= ? GROUP BY pid, start_time, timestamp)
    SELECT pid, start_time, MAX(comm) AS comm, COUNT(*) AS samples, MIN(timestamp) AS firstS, MAX(timestamp) AS lastS,
           MAX(rss) AS peak_rss_kb, AVG(cpu) AS avg_cpu_pct, MAX(cpu) AS max_cpu_pct, SUM(cpu) AS cpu_sum
    FROM s GROUP BY pid, start_time ORDER BY ${by === 'rss' ? 'peak_rss_kb' : 'cpu_sum'} DESC LIMIT ?`)
    .all(w.fromS, w.toS, limit) as Array<Omit<ProcessInWindow, 'peak'> & { cpu_sum: number }>;
  return withPeaks(db, w, 'process_metrics', 'pid = ? AND start_time = ?', `${by === 'rss' ? 'rss_kb' : 'cpu_pct'} DESC`,
    rows.map(({ cpu_sum: _, ...r }) => r), (r) => [r.pid, r.start_time]);
}

export interface IoProcessInWindow {
  readonly pid: number;
  readonly comm: string;
  readonly dev: string;
  /** Tracer intervals in which it issued the most requests on the device. */
  readonly intervals: number;
  /** The device's requests and bytes in those intervals (the tracer counts per device, naming the top requester). */
  readonly requests: number;
  readonly bytes: number;
  readonly max_p99_us: number;
  readonly peak: Cite;
}

/** Who issued the most block I/O in the window, per device, from the I/O latency tracer's top requester per interval. */
export function topIoIn(db: Db, w: TimeWindow, limit = 5): IoProcessInWindow[] {
  if (!tableExists(db, 'io_latency_stats')) return [];
  const rows = db.prepare(`
    SELECT top_pid AS pid, MAX(top_comm) AS comm, dev, COUNT(*) AS intervals, SUM(count) AS requests, SUM(bytes) AS bytes, MAX(p99_us) AS max_p99_us
    FROM io_latency_stats WHERE timestamp >= ? AND timestamp <= ? AND top_pid IS NOT NULL
    GROUP BY top_pid, dev ORDER BY requests DESC LIMIT ?`).all(w.fromS, w.toS, limit) as Array<Omit<IoProcessInWindow, 'peak'>>;
  return withPeaks(db, w, 'io_latency_stats', 'top_pid = ? AND dev = ?', 'p99_us DESC', rows, (r) => [r.pid, r.dev]);
}

/** Who used the most memory, CPU and block I/O in the window. */
export interface ProcessesInWindow { readonly memory: readonly ProcessInWindow[]; readonly cpu: readonly ProcessInWindow[]; readonly io: readonly IoProcessInWindow[] }

export function processesIn(db: Db, w: TimeWindow, limit: number): ProcessesInWindow {
  return { memory: topProcessesIn(db, w, 'rss', limit), cpu: topProcessesIn(db, w, 'cpu', limit), io: topIoIn(db, w, limit) };
}

export interface DeviceLatency {
  readonly dev: string;
  readonly op: string;
  readonly intervals: number;
  readonly requests: number;
  /** The worst interval's p99 and the average of the intervals' p99, microseconds. */
  readonly max_p99_us: number;
  readonly avg_p99_us: number;
  readonly peak: Cite;
}

/** Block I/O latency per device and direction in the window (I/O latency tracer). */
export function deviceLatencyIn(db: Db, w: TimeWindow): DeviceLatency[] {
  if (!tableExists(db, 'io_latency_stats')) return [];
  const rows = db.prepare(`SELECT dev, op, COUNT(*) AS intervals, SUM(count) AS requests, MAX(p99_us) AS max_p99_us, AVG(p99_us) AS avg_p99_us
    FROM io_latency_stats WHERE timestamp >= ? AND timestamp <= ? GROUP BY dev, op ORDER BY max_p99_us DESC`).all(w.fromS, w.toS) as Array<Omit<DeviceLatency, 'peak'>>;
  return withPeaks(db, w, 'io_latency_stats', 'dev = ? AND op = ?', 'p99_us DESC', rows, (r) => [r.dev, r.op]);
}

export interface MetricInWindow {
  readonly metric: string;
  readonly unit: Unit;
  /** Which end is bad: max for most, min where low means trouble (memory available). */
  readonly worst: 'max' | 'min';
  readonly n: number;
  readonly min: number | null;
  readonly avg: number | null;
  readonly max: number | null;
  /** The sample at the worst end: the maximum, or the minimum for metrics where low is bad. */
  readonly peak: (Cite & { readonly value: number }) | null;
  /** The long-run baseline (baseline_snapshots), when ingest has one. */
  readonly baseline: { readonly mean: number; readonly sd: number; readonly count: number } | null;
}

/** One metric over the window; `worst` says which end is bad (min for memory available). */
export function metricIn(db: Db, metric: string, w: TimeWindow, worst: 'max' | 'min' = 'max'): MetricInWindow {
  const m = resolveMetric(db, metric);
  const none: MetricInWindow = { metric, unit: m.unit, worst, n: 0, min: null, avg: null, max: null, peak: null, baseline: null };
  if (!tableExists(db, m.table)) return none;
  const group = m.groupBy ? ` AND ${m.groupBy} = ?` : '';
  const args = [w.fromS, w.toS, ...(m.groupBy ? [m.group] : [])];
  const agg = db.prepare(`SELECT COUNT(v) AS n, MIN(v) AS min, AVG(v) AS avg, MAX(v) AS max FROM (SELECT ${m.sql} AS v FROM ${m.table} WHERE timestamp >= ? AND timestamp <= ?${group})`).get(...args) as { n: number; min: number | null; avg: number | null; max: number | null };
  const peak = agg.n ? db.prepare(`SELECT id, timestamp AS at, ${m.sql} AS value FROM ${m.table} WHERE timestamp >= ? AND timestamp <= ?${group} AND ${m.sql} IS NOT NULL ORDER BY value ${worst === 'max' ? 'DESC' : 'ASC'}, id LIMIT 1`).get(...args) as { id: number; at: number; value: number } : undefined;
  const b = baselines(db).find((x) => x.metric === metric);
  return {
    ...none, n: agg.n, min: agg.min, avg: agg.avg, max: agg.max,
    peak: peak ? { table: m.table, ...peak } : null,
    baseline: b ? { mean: b.mean, sd: b.sd, count: b.count } : null,
  };
}

/** Devices, interfaces or resources with rows in the window (for per-device metrics). */
export function groupsIn(db: Db, table: 'block_stats' | 'io_latency_stats' | 'network_interface_stats', key: 'dev' | 'iface', w: TimeWindow): string[] {
  if (!tableExists(db, table)) return [];
  return (db.prepare(`SELECT DISTINCT ${key} AS g FROM ${table} WHERE timestamp >= ? AND timestamp <= ? ORDER BY g`).all(w.fromS, w.toS) as Array<{ g: string }>).map((r) => r.g);
}

/** What a window's history says, shared by the window report and an incident's detail. */
export interface WindowHistory {
  readonly window: TimeWindow;
  readonly coverage: Coverage;
  readonly processes: ProcessesInWindow;
  readonly metrics: readonly MetricInWindow[];
  readonly latency: readonly DeviceLatency[];
}
