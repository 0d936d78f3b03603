// Small read helpers. Every table may be missing (an older database) or empty
// (a collector that cannot run here); callers get [] or undefined, never a throw.
import { tableExists, type Db } from '../../lib/db.js';

export function columnsOf(db: Db, table: string): string[] {
  if (!tableExists(db, table)) return [];
  return (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
}

export type Row = Record<string, number | string | null>;

/** Latest row of a raw table, optionally for one entity (dev, iface, resource). */
export function latestRow(db: Db, table: string, where = '', params: unknown[] = []): Row | undefined {
  if (!tableExists(db, table)) return undefined;
  return db.prepare(`SELECT * FROM ${table} ${where ? `WHERE ${where}` : ''} ORDER BY timestamp DESC, id DESC LIMIT 1`).get(...params) as Row | undefined;
}

/** Rows of a table's newest timestamp (one per device / interface / resource / process). */
export function latestGroup(db: Db, table: string): Row[] {
  if (!tableExists(db, table)) return [];
  return db.prepare(`SELECT * FROM ${table} WHERE timestamp = (SELECT MAX(timestamp) FROM ${table}) ORDER BY id`).all() as Row[];
}

export const r2 = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);
export const r4 = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10000) / 10000);
