// Running statistics of one metric, as stored in baseline_snapshots:
// Welford's all-time mean / variance (count, mean, m2: numerically stable, one pass)
// and an exponentially weighted mean / variance that follows the recent past.

export interface BaselineRow {
  metric: string;
  count: number;
  mean: number;
  m2: number;
  ewma: number;
  ewm_var: number;
  min: number;
  max: number;
  last_value: number;
  updated_at: number;
}

export class RunningStats {
  constructor(readonly row: BaselineRow) {}

  static empty(metric: string): RunningStats {
    return new RunningStats({ metric, count: 0, mean: 0, m2: 0, ewma: 0, ewm_var: 0, min: 0, max: 0, last_value: 0, updated_at: 0 });
  }

  add(x: number, ts: number, alpha: number): void {
    const r = this.row;
    r.count++;
    const d = x - r.mean;
    r.mean += d / r.count;
    r.m2 += d * (x - r.mean);
    if (r.count === 1) {
      r.ewma = x; r.ewm_var = 0; r.min = x; r.max = x;
    } else {
      // West's incremental EW variance: uses the deviation from the previous EWMA.
      const e = x - r.ewma;
      r.ewma += alpha * e;
      r.ewm_var = (1 - alpha) * (r.ewm_var + alpha * e * e);
      r.min = Math.min(r.min, x); r.max = Math.max(r.max, x);
    }
    r.last_value = x;
    r.updated_at = ts;
  }

  /** All-time sample standard deviation (Welford). */
  get std(): number {
    return this.row.count > 1 ? Math.sqrt(this.row.m2 / (this.row.count - 1)) : 0;
  }

  get ewmStd(): number {
    return Math.sqrt(Math.max(0, this.row.ewm_var));
  }

  /**
   * How far x sits above the recent baseline, in recent standard deviations. The
   * std is floored at minDelta/4 so a near-constant metric (std ~ 0) cannot produce
   * a huge z from a change nobody would notice.
   */
  z(x: number, minDelta: number): number {
    return (x - this.row.ewma) / Math.max(this.ewmStd, minDelta / 4);
  }
}
