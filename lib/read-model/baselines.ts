// baseline_snapshots: each metric's long-run (Welford mean / sd) and recent (EWMA /
// EW sd) statistics, which ingest keeps up to date. Values are in the metric's unit.
import { tableExists, type Db } from '../db.js';
import { unitOf, type Unit } from './metrics.js';

export interface BaselineRow { metric: string; count: number; mean: number; m2: number; ewma: number; ewm_var: number; min: number; max: number; last_value: number; updated_at: number }

export interface BaselineRecord extends BaselineRow {
  /** Sample standard deviation of the long-run baseline (0 with fewer than 2 samples). */
  readonly sd: number;
  /** Standard deviation of the recent (exponentially weighted) baseline. */
  readonly ewSd: number;
  readonly unit?: Unit;
}

const ORDER = { metric: 'metric', count: 'count DESC, metric' } as const;

/** Baselines by name, or the best-established first (`count`). */
export function baselines(db: Db, o: { readonly order?: keyof typeof ORDER; readonly limit?: number } = {}): BaselineRecord[] {
  if (!tableExists(db, 'baseline_snapshots')) return [];
  const rows = db.prepare(`SELECT * FROM baseline_snapshots ORDER BY ${ORDER[o.order ?? 'metric']} LIMIT ?`).all(o.limit ?? 500) as BaselineRow[];
  return rows.map((r) => {
    const unit = unitOf(r.metric);
    return { ...r, sd: r.count > 1 ? Math.sqrt(r.m2 / (r.count - 1)) : 0, ewSd: Math.sqrt(Math.max(0, r.ewm_var)), ...(unit ? { unit } : {}) };
  });
}
