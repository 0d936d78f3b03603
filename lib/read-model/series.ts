// A metric over a time window: raw points (evenly thinned to at most N), or N
// equal-width buckets with min/avg/max each (what a chart draws). Timestamps are
// epoch seconds; values are in the metric's unit (ResolvedMetric.unit).
import { tableExists, type Db } from '../db.js';
import type { ResolvedMetric } from './metrics.js';

export interface Point { readonly t: number; readonly v: number }

export interface Bucket {
  /** Start of the bucket, epoch seconds; it covers [t, t + width). */
  readonly t: number;
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  readonly n: number;
}

/**
 * SQL for the bucket index of a row (0 .. buckets-1); binds (start, width,
 * buckets - 1). The sample exactly at the window's end belongs to the last bucket.
 */
export const BUCKET_INDEX_SQL = 'MIN(CAST((timestamp - ?) / ? AS INTEGER), ?)';

export interface Window {
  readonly sinceS: number;
  /** Default: no upper bound for points, the current time for buckets. */
  readonly untilS?: number;
}

function where(m: ResolvedMetric, w: Window): { sql: string; params: unknown[] } {
  const params: unknown[] = [w.sinceS];
  let sql = 'timestamp >= ?';
  if (w.untilS !== undefined) { sql += ' AND timestamp <= ?'; params.push(w.untilS); }
  if (m.groupBy) { sql += ` AND ${m.groupBy} = ?`; params.push(m.group); }
  return { sql, params };
}

/** (t, v) points, oldest first, at most maxPoints (evenly thinned, so the shape and the ends stay real samples). */
export function series(db: Db, m: ResolvedMetric, w: Window, maxPoints = 2000): Point[] {
  if (!tableExists(db, m.table)) return [];
  const f = where(m, w);
  const rows = (db.prepare(`SELECT timestamp AS t, ${m.sql} AS v FROM ${m.table} WHERE ${f.sql} ORDER BY timestamp`).all(...f.params) as Point[])
    .filter((p) => typeof p.v === 'number' && Number.isFinite(p.v));
  if (rows.length <= maxPoints) return rows;
  const step = rows.length / maxPoints;
  return Array.from({ length: maxPoints }, (_, i) => rows[Math.floor(i * step)]!);
}

/** The window cut into `buckets` equal parts; empty buckets are left out. */
export function seriesBuckets(db: Db, m: ResolvedMetric, w: Window, buckets: number): Bucket[] {
  const until = w.untilS ?? Date.now() / 1000;
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
  if (!(until > w.sinceS)) throw new RangeError(`the window must end after it starts, got ${w.sinceS} .. ${until}`);
  if (!tableExists(db, m.table)) return [];
  const width = (until - w.sinceS) / buckets;
  const f = where(m, { sinceS: w.sinceS, untilS: until });
  const rows = db.prepare(`SELECT ${BUCKET_INDEX_SQL} AS b, MIN(v) AS min, AVG(v) AS avg, MAX(v) AS max, COUNT(*) AS n
    FROM (SELECT timestamp, ${m.sql} AS v FROM ${m.table} WHERE ${f.sql}) WHERE v IS NOT NULL GROUP BY b ORDER BY b`)
    .all(w.sinceS, width, buckets - 1, ...f.params) as Array<{ b: number; min: number; avg: number; max: number; n: number }>;
  return rows.map((r) => ({ t: w.sinceS + r.b * width, min: r.min, avg: r.avg, max: r.max, n: r.n }));
}

/** Sum of a metric's samples in the window (for counters stored as per-sample deltas, e.g. oom_kill_delta). */
export function seriesSum(db: Db, m: ResolvedMetric, w: Window): number {
  if (!tableExists(db, m.table)) return 0;
  const f = where(m, w);
  return (db.prepare(`SELECT COALESCE(SUM(${m.sql}), 0) AS n FROM ${m.table} WHERE ${f.sql}`).get(...f.params) as { n: number }).n;
}

/**
 * Bucket averages of several metrics in one pass over their rows: the metrics are
 * grouped by table and each table is read once (a chart of 20 series over 24 h
 * reads each table once, not once per series). Result: per metric name, the
 * average of each non-empty bucket by bucket index (0 .. buckets-1).
 */
export function bucketAverages(db: Db, ms: readonly ResolvedMetric[], w: Required<Window>, buckets: number): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  const width = (w.untilS - w.sinceS) / buckets;
  const byTable = new Map<string, ResolvedMetric[]>();
  for (const m of ms) byTable.set(m.table, [...(byTable.get(m.table) ?? []), m]);
  for (const [table, list] of byTable) {
    if (!tableExists(db, table)) continue;
    const exprs = [...new Set(list.map((m) => m.sql))];
    const key = list[0]!.groupBy;
    const groups = key ? [...new Set(list.map((m) => m.group!))] : [];
    const rows = db.prepare(`SELECT ${key ? `${key} AS g, ` : ''}${BUCKET_INDEX_SQL} AS b, ${exprs.map((e, i) => `AVG(${e}) AS v${i}`).join(', ')}
      FROM ${table} WHERE timestamp >= ? AND timestamp <= ?${key ? ` AND ${key} IN (${groups.map(() => '?').join(', ')})` : ''}
      GROUP BY ${key ? 'g, ' : ''}b`).all(w.sinceS, width, buckets - 1, w.sinceS, w.untilS, ...groups) as Array<Record<string, number | string | null>>;
    for (const m of list) {
      const col = `v${exprs.indexOf(m.sql)}`;
      const values = new Map<number, number>();
      for (const r of rows) {
        const v = r[col];
        if ((!key || r.g === m.group) && typeof v === 'number' && Number.isFinite(v)) values.set(r.b as number, v);
      }
      out.set(m.metric, values);
    }
  }
  return out;
}
