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
  // The sample exactly at the window's end belongs to the last bucket.
  const rows = db.prepare(`SELECT MIN(CAST((timestamp - ?) / ? AS INTEGER), ?) AS b, MIN(v) AS min, AVG(v) AS avg, MAX(v) AS max, COUNT(*) AS n
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
