// Least-squares trend of a metric, projected ahead (30 min by default), with a
// confidence that comes from the data: how well a line fits (R²), how many points
// there are, and how much of the horizon the history spans.
import type { Point } from './read-model/series.js';

export type { Point };

export interface Projection {
  readonly metric: string;
  readonly n: number;
  readonly spanS: number;
  readonly current: number;
  /** Units per minute. */
  readonly slopePerMin: number;
  readonly projected: number;
  readonly horizonS: number;
  readonly r2: number;
  readonly confidence: number;
  readonly threshold?: number;
  /** Seconds until the fitted line crosses the threshold; null if it never does going this way. */
  readonly timeToThresholdS: number | null;
}

export interface TrendOptions {
  readonly horizonS?: number;
  readonly threshold?: number;
  /** Clamp projections to the metric's valid range (e.g. 0..100 for percentages). */
  readonly min?: number;
  readonly max?: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function fitLine(points: readonly Point[]): { slope: number; intercept: number; r2: number } {
  const n = points.length;
  if (n < 2) return { slope: 0, intercept: points[0]?.v ?? 0, r2: 0 };
  let st = 0, sv = 0;
  for (const p of points) { st += p.t; sv += p.v; }
  const mt = st / n, mv = sv / n;
  let stt = 0, stv = 0, svv = 0;
  for (const p of points) {
    const dt = p.t - mt, dv = p.v - mv;
    stt += dt * dt; stv += dt * dv; svv += dv * dv;
  }
  if (stt === 0) return { slope: 0, intercept: mv, r2: 0 };
  const slope = stv / stt;
  // A flat series fits a flat line perfectly; that is certainty about "no trend".
  const r2 = svv === 0 ? 1 : (stv * stv) / (stt * svv);
  return { slope, intercept: mv - slope * mt, r2 };
}

export function project(metric: string, points: readonly Point[], nowS: number, o: TrendOptions = {}): Projection | null {
  if (points.length === 0) return null;
  const horizonS = o.horizonS ?? 1800;
  const { slope, intercept, r2 } = fitLine(points);
  const clamp = (x: number) => Math.min(o.max ?? Infinity, Math.max(o.min ?? -Infinity, x));
  const current = points.length >= 2 ? clamp(intercept + slope * nowS) : points[0]!.v;
  const projected = clamp(intercept + slope * (nowS + horizonS));
  const spanS = points[points.length - 1]!.t - points[0]!.t;
  // Few points, or a short history asked to speak for 30 minutes, cannot be trusted much.
  const confidence = r2 * Math.min(1, points.length / 20) * Math.min(1, spanS / (horizonS / 3));
  let ttt: number | null = null;
  if (o.threshold !== undefined) {
    if (current >= o.threshold) ttt = 0;
    else if (slope > 0) ttt = (o.threshold - (intercept + slope * nowS)) / slope;
  }
  return {
    metric, n: points.length, spanS: Math.round(spanS), current: r3(current), slopePerMin: r3(slope * 60),
    projected: r3(projected), horizonS, r2: r3(r2), confidence: r3(confidence), threshold: o.threshold,
    timeToThresholdS: ttt === null ? null : Math.round(ttt),
  };
}
