// What OBSERVE reads from the database: open signals, the latest raw metrics,
// recent series for SIMULATE, and baselines. Every table may be empty (a fresh
// install, or a collector that cannot run here); nothing here throws for that.
import { tableExists, type Db } from '../../lib/db.js';
import type { SignalMetadataRow } from '../../lib/signal-row.js';
import type { Point } from '../trend.js';

/** The columns OBSERVE selects. */
export type SignalRow = Pick<SignalMetadataRow, 'signal_id' | 'signal_type' | 'signal_category' | 'scope' | 'severity'
  | 'pressure_score' | 'summary' | 'entity_type' | 'entity_id' | 'entity_name' | 'context_json' | 'first_seen'
  | 'last_seen' | 'occurrence_count'>;

type Row = Record<string, number | string | null>;

export function openSignals(db: Db, sinceS: number, limit = 30): SignalRow[] {
  return db.prepare(`SELECT signal_id, signal_type, signal_category, scope, severity, pressure_score, summary,
      entity_type, entity_id, entity_name, context_json, first_seen, last_seen, occurrence_count
    FROM signal_metadata WHERE status = 'open' AND last_seen >= ? ORDER BY pressure_score DESC, last_seen DESC LIMIT ?`).all(sinceS, limit) as SignalRow[];
}

export function latestRow(db: Db, table: string, sinceS: number): Row | undefined {
  if (!tableExists(db, table)) return undefined;
  return db.prepare(`SELECT * FROM ${table} WHERE timestamp >= ? ORDER BY timestamp DESC LIMIT 1`).get(sinceS) as Row | undefined;
}

/** Rows of the most recent timestamp (one per resource / device / process). */
export function latestGroup(db: Db, table: string, sinceS: number): Row[] {
  if (!tableExists(db, table)) return [];
  return db.prepare(`SELECT * FROM ${table} WHERE timestamp = (SELECT MAX(timestamp) FROM ${table} WHERE timestamp >= ?)`).all(sinceS) as Row[];
}

/** One column as (t, v) points, oldest first; at most `max` points, evenly thinned. */
export function series(db: Db, table: string, column: string, sinceS: number, where = '', max = 600): Point[] {
  if (!tableExists(db, table)) return [];
  const rows = db.prepare(`SELECT timestamp AS t, ${column} AS v FROM ${table} WHERE timestamp >= ? ${where ? `AND ${where}` : ''} ORDER BY timestamp`).all(sinceS) as Point[];
  const valid = rows.filter((r) => Number.isFinite(r.v));
  if (valid.length <= max) return valid;
  const step = valid.length / max;
  return Array.from({ length: max }, (_, i) => valid[Math.floor(i * step)]!);
}

export interface Baseline { mean: number; sd: number; ewma: number; count: number }

export function baselines(db: Db): Record<string, Baseline> {
  if (!tableExists(db, 'baseline_snapshots')) return {};
  const rows = db.prepare('SELECT metric, count, mean, m2, ewma FROM baseline_snapshots ORDER BY count DESC LIMIT 200').all() as Array<{ metric: string; count: number; mean: number; m2: number; ewma: number }>;
  return Object.fromEntries(rows.map((r) => [r.metric, { mean: r.mean, sd: r.count > 1 ? Math.sqrt(r.m2 / (r.count - 1)) : 0, ewma: r.ewma, count: r.count }]));
}
