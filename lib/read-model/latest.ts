// The newest samples. Every table may be missing (an older database) or empty (a
// collector that cannot run here): callers get undefined or [], never a throw.
// Rows keep their columns as stored: timestamps in epoch seconds, values in the
// units the catalogue (metrics.ts) gives them.
import { tableExists, type Db } from '../db.js';
import type { Point } from './series.js';
import type { RawTable, ResolvedMetric } from './metrics.js';

export type Row = Record<string, number | string | null>;

export interface LatestOptions {
  /** Only rows at or after this time (epoch seconds): older ones count as no data. */
  readonly sinceS?: number;
  /** Only rows of one device / interface / resource. */
  readonly group?: { readonly column: 'dev' | 'iface' | 'resource'; readonly value: string };
}

function filter(o: LatestOptions): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (o.sinceS !== undefined) { clauses.push('timestamp >= ?'); params.push(o.sinceS); }
  if (o.group) { clauses.push(`${o.group.column} = ?`); params.push(o.group.value); }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** The newest row of a table. */
export function latestRow(db: Db, table: RawTable, o: LatestOptions = {}): Row | undefined {
  if (!tableExists(db, table)) return undefined;
  const f = filter(o);
  return db.prepare(`SELECT * FROM ${table} ${f.where} ORDER BY timestamp DESC, id DESC LIMIT 1`).get(...f.params) as Row | undefined;
}

/**
 * The newest row per group (device, interface, resource, device+op): the rows of
 * the table's newest timestamp, because a collector writes every group of one
 * sample with the same timestamp. A group missing from the newest sample is gone.
 */
export function latestPerGroup(db: Db, table: RawTable, o: Pick<LatestOptions, 'sinceS'> = {}): Row[] {
  if (!tableExists(db, table)) return [];
  const since = o.sinceS ?? -Infinity;
  return db.prepare(`SELECT * FROM ${table} WHERE timestamp = (SELECT MAX(timestamp) FROM ${table} WHERE timestamp >= ?) ORDER BY id`).all(since) as Row[];
}

/** A metric's newest value, however old. */
export function latestValue(db: Db, m: ResolvedMetric): Point | undefined {
  if (!tableExists(db, m.table)) return undefined;
  const where = m.groupBy ? `WHERE ${m.groupBy} = ?` : '';
  return db.prepare(`SELECT timestamp AS t, ${m.sql} AS v FROM ${m.table} ${where} ORDER BY timestamp DESC, id DESC LIMIT 1`)
    .get(...(m.groupBy ? [m.group] : [])) as Point | undefined;
}

export interface ProcessSample {
  readonly timestamp: number;
  readonly pid: number;
  readonly start_time: number;
  readonly comm: string;
  readonly state: string;
  readonly cpu_pct: number;
  readonly rss_kb: number;
  readonly threads: number;
  readonly nice: number;
}

/** The scraper's newest top-N snapshot of processes ranked by cpu or rss, highest first. */
export function latestProcesses(db: Db, rankBy: 'cpu' | 'rss', limit: number): ProcessSample[] | undefined {
  if (!tableExists(db, 'process_metrics')) return undefined;
  return db.prepare(`SELECT timestamp, pid, start_time, comm, state, cpu_pct, rss_kb, threads, nice FROM process_metrics
    WHERE rank_by = @rank AND timestamp = (SELECT MAX(timestamp) FROM process_metrics WHERE rank_by = @rank)
    ORDER BY ${rankBy === 'cpu' ? 'cpu_pct' : 'rss_kb'} DESC LIMIT @limit`).all({ rank: rankBy, limit }) as ProcessSample[];
}
