// The figures a status view shows (the supervisor's, chat's /status): is data
// flowing, how much, what is open, what the agent did last.
import { tableExists, type Db } from '../db.js';
import { lastAuditRow, type AuditRow } from './decisions.js';
import { openSignalCount } from './signals.js';

export interface CollectorRecord { name: string; last_event_ts: number | null; event_count: number; error_count: number; last_error: string | null }

/** One row per producer ingest has heard from, by name. */
export function collectors(db: Db): CollectorRecord[] {
  if (!tableExists(db, 'collectors')) return [];
  return db.prepare('SELECT name, last_event_ts, event_count, error_count, last_error FROM collectors ORDER BY name').all() as CollectorRecord[];
}

/** Rejected input lines per reason code, since the database was made. */
export function rejectCounts(db: Db): Map<string, number> {
  if (!tableExists(db, 'reject_counts')) return new Map();
  return new Map((db.prepare('SELECT code, count FROM reject_counts').all() as Array<{ code: string; count: number }>).map((r) => [r.code, r.count]));
}

/** Events ingest has stored, all producers together; undefined before ingest created its tables. */
export function totalEvents(db: Db): number | undefined {
  if (!tableExists(db, 'collectors')) return undefined;
  return (db.prepare('SELECT COALESCE(SUM(event_count), 0) AS v FROM collectors').get() as { v: number }).v;
}

export interface StatusFigures {
  readonly totalEvents?: number;
  readonly openSignals?: number;
  /** The newest audit row; null when the trail is empty, undefined without the table. */
  readonly lastAction?: AuditRow | null;
}

/**
 * Each figure on its own: one that cannot be read (a missing table, a lock held
 * too long) is left out and the others are still shown.
 */
export function statusFigures(db: Db): StatusFigures {
  const guard = <T>(f: () => T): T | undefined => { try { return f(); } catch { return undefined; } };
  const total = guard(() => totalEvents(db));
  const open = guard(() => openSignalCount(db));
  const hasAudit = guard(() => tableExists(db, 'agent_actions'));
  const last = hasAudit ? guard(() => lastAuditRow(db) ?? null) : undefined;
  return {
    ...(total !== undefined ? { totalEvents: total } : {}),
    ...(open !== undefined ? { openSignals: open } : {}),
    ...(last !== undefined ? { lastAction: last } : {}),
  };
}
