// baseline_compare: is a metric unusual for this host? z-scores against the
// long-run baseline (Welford mean / sd) and against the recent one (EWMA / EW sd),
// both from baseline_snapshots, which ingest keeps up to date.
import { baselines, type BaselineRecord } from '../../lib/read-model/baselines.js';
import { latestValue } from '../../lib/read-model/latest.js';
import { resolveMetric } from '../../lib/read-model/metrics.js';
import { isoLocal } from '../../lib/time.js';
import { r4 } from './round.js';
import { intArg, strArg, ToolArgError, type ChatTool, type ToolContext } from './types.js';

export interface BaselineView {
  readonly metric: string;
  readonly current: number | null;
  readonly current_at: string;
  readonly samples: number;
  readonly mean: number | null;
  readonly sd: number | null;
  readonly z: number | null;
  readonly recent_mean: number | null;
  readonly recent_sd: number | null;
  readonly z_recent: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly verdict: 'normal' | 'elevated' | 'unusually high' | 'unusually low' | 'not enough history';
}

const zOf = (x: number, mean: number, sd: number) => (sd > 1e-9 ? (x - mean) / sd : null);

function verdictOf(count: number, z: number | null): BaselineView['verdict'] {
  if (count < 10 || z === null) return 'not enough history';
  if (z >= 3) return 'unusually high';
  if (z <= -3) return 'unusually low';
  return Math.abs(z) >= 2 ? 'elevated' : 'normal';
}

export function compareRow(ctx: ToolContext, r: BaselineRecord): BaselineView {
  // The newest raw value if the metric resolves to a table, else the baseline's own last value.
  let current = r.last_value, at = r.updated_at;
  try {
    const p = latestValue(ctx.db, resolveMetric(ctx.db, r.metric));
    if (p) { current = p.v; at = p.t; }
  } catch { /* baseline of a metric without a raw column: keep last_value */ }
  const { sd, ewSd } = r;
  const z = zOf(current, r.mean, sd);
  return {
    metric: r.metric, current: r4(current), current_at: isoLocal(at), samples: r.count,
    mean: r4(r.mean), sd: r4(sd), z: r4(z), recent_mean: r4(r.ewma), recent_sd: r4(ewSd), z_recent: r4(zOf(current, r.ewma, ewSd)),
    min: r4(r.min), max: r4(r.max), verdict: verdictOf(r.count, z),
  };
}

export const baselineCompare: ChatTool = {
  name: 'baseline_compare',
  description: 'Compare a metric\'s current value with its baseline on this host (z-score vs long-run mean and vs recent EWMA). Without a metric: the metrics furthest from their baselines.',
  params: {
    metric: { type: 'string', description: 'baseline metric, e.g. cpu.busy_pct, memory.used_fraction, block.vda.await_ms; omit for the most unusual ones', maxLength: 100 },
    limit: { type: 'integer', description: 'without a metric: how many to list', minimum: 1, maximum: 25 },
  },
  async run(ctx, args) {
    const metric = strArg(args, 'metric');
    const rows = baselines(ctx.db);
    if (metric) {
      const r = rows.find((x) => x.metric === metric);
      if (!r) throw new ToolArgError(`no baseline for ${JSON.stringify(metric.slice(0, 60))}; baselines exist for: ${rows.map((x) => x.metric).slice(0, 40).join(', ') || 'nothing yet'}`);
      return compareRow(ctx, r);
    }
    const all = rows.map((r) => compareRow(ctx, r)).sort((a, b) => Math.abs(b.z ?? 0) - Math.abs(a.z ?? 0));
    return { baselines: all.slice(0, intArg(args, 'limit', 10, 1, 25)), total: all.length };
  },
};
