// metric_history: what a metric did over the last N minutes, as numbers with the
// time range they cover.
import { EXAMPLE_METRICS, resolveMetric } from '../../lib/read-model/metrics.js';
import { series } from '../../lib/read-model/series.js';
import { isoLocal } from '../../lib/time.js';
import { r4 } from './round.js';
import { intArg, strArg, ToolArgError, type ChatTool, type ToolContext } from './types.js';

export interface MetricSummary {
  readonly metric: string;
  readonly minutes: number;
  readonly n: number;
  readonly from?: string;
  readonly to?: string;
  readonly min?: number | null;
  readonly max?: number | null;
  readonly avg?: number | null;
  readonly last?: number | null;
  readonly last_at?: string;
  readonly max_at?: string;
  /** A few evenly spaced [time, value] points to show the shape. */
  readonly samples?: ReadonlyArray<readonly [string, number | null]>;
  readonly note?: string;
}

export function summarizeMetric(ctx: ToolContext, metric: string, minutes: number, samples = 8): MetricSummary {
  const m = resolveMetric(ctx.db, metric);
  const pts = series(ctx.db, m, { sinceS: ctx.nowS() - minutes * 60 });
  if (pts.length === 0) return { metric, minutes, n: 0, note: `no ${m.table} rows in the last ${minutes} min` };
  let min = pts[0]!, max = pts[0]!, sum = 0;
  for (const p of pts) {
    if (p.v < min.v) min = p;
    if (p.v > max.v) max = p;
    sum += p.v;
  }
  const last = pts[pts.length - 1]!;
  const k = Math.min(samples, pts.length);
  const shape = Array.from({ length: k }, (_, i) => pts[Math.round((i * (pts.length - 1)) / Math.max(1, k - 1))]!);
  return {
    metric, minutes, n: pts.length, from: isoLocal(pts[0]!.t), to: isoLocal(last.t),
    min: r4(min.v), max: r4(max.v), avg: r4(sum / pts.length), last: r4(last.v), last_at: isoLocal(last.t), max_at: isoLocal(max.t),
    samples: shape.map((p) => [isoLocal(p.t), r4(p.v)] as const),
  };
}

export const metricHistory: ChatTool = {
  name: 'metric_history',
  description: `Min, max, average and last value of one metric over the last N minutes, with the time range covered. Metric names: ${EXAMPLE_METRICS.join(', ')} (any numeric column of the source table works).`,
  params: {
    metric: { type: 'string', description: 'metric name, e.g. memory.used_fraction or block.vda.await_ms', maxLength: 100 },
    minutes: { type: 'integer', description: 'how far back to look', minimum: 1, maximum: 1440 },
  },
  required: ['metric'],
  async run(ctx, args) {
    const metric = strArg(args, 'metric');
    if (!metric) throw new ToolArgError('metric is required');
    return summarizeMetric(ctx, metric, intArg(args, 'minutes', 30, 1, 1440));
  },
};
