// trend_projection: where a metric is heading, by the agent's own least-squares
// fit (agent/trend.ts), with R² and a confidence that says how far to trust it.
import { project } from '../../lib/trend.js';
import { resolveMetric } from '../../lib/read-model/metrics.js';
import { series } from '../../lib/read-model/series.js';
import { isoLocal } from '../../lib/time.js';
import { intArg, strArg, ToolArgError, type ChatTool, type ToolArgs, type ToolContext } from './types.js';

/**
 * Projected from the newest sample, not from the wall clock: with stale data
 * (ingest stopped) a line extended to "now" would report a value nobody measured.
 */
export function projectMetric(ctx: ToolContext, metric: string, minutesAhead: number, historyMinutes: number, threshold?: number) {
  const m = resolveMetric(ctx.db, metric);
  const now = ctx.nowS();
  const pts = series(ctx.db, m, { sinceS: now - historyMinutes * 60 }, 600);
  const anchor = pts.length ? Math.min(now, pts[pts.length - 1]!.t) : now;
  const p = project(metric, pts, anchor, { horizonS: minutesAhead * 60, threshold, min: m.min, max: m.max });
  if (!p) return { metric, n: 0, note: `no ${m.table} rows in the last ${historyMinutes} min` };
  return {
    ...p, history_minutes: historyMinutes, minutes_ahead: minutesAhead,
    from: isoLocal(pts[0]!.t), to: isoLocal(anchor), projected_at: isoLocal(anchor + minutesAhead * 60),
    ...(now - anchor > 120 ? { data_age_s: Math.round(now - anchor) } : {}),
    ...(p.timeToThresholdS !== null && p.timeToThresholdS !== undefined ? { threshold_reached_at: isoLocal(anchor + p.timeToThresholdS) } : {}),
  };
}

function numberArg(args: ToolArgs, key: string): number | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ToolArgError(`${key} must be a number`);
  return n;
}

export const trendProjection: ChatTool = {
  name: 'trend_projection',
  description: 'Least-squares trend of a metric over recent history, projected N minutes ahead, with slope per minute, R², confidence and (given a threshold) when it would be crossed.',
  params: {
    metric: { type: 'string', description: 'metric name as for metric_history', maxLength: 100 },
    minutes_ahead: { type: 'integer', description: 'projection horizon', minimum: 1, maximum: 240 },
    history_minutes: { type: 'integer', description: 'history to fit', minimum: 1, maximum: 1440 },
    threshold: { type: 'number', description: 'optional level to estimate time-to-cross for', minimum: -1e12, maximum: 1e12 },
  },
  required: ['metric'],
  async run(ctx, args) {
    const metric = strArg(args, 'metric');
    if (!metric) throw new ToolArgError('metric is required');
    return projectMetric(ctx, metric, intArg(args, 'minutes_ahead', 30, 1, 240), intArg(args, 'history_minutes', 30, 1, 1440), numberArg(args, 'threshold'));
  },
};
