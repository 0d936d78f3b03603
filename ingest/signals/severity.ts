// The one mapping from a metric to (severity, pressure_score) that every
// classifier shares, so a "high" means the same thing everywhere. The levels and
// their ranking are lib/severity.ts.
import type { Severity } from '../../lib/severity.js';

/** Thresholds for low / medium / high / critical, increasing. */
export type Ladder = readonly [low: number, medium: number, high: number, critical: number];

/** Severity of `value` on a ladder (higher is worse). */
export function ladderSeverity(value: number, l: Ladder): Severity {
  if (!(value >= l[0])) return 'none'; // also catches NaN
  if (value >= l[3]) return 'critical';
  if (value >= l[2]) return 'high';
  if (value >= l[1]) return 'medium';
  return 'low';
}

/**
 * pressure_score for one metric: piecewise linear along its ladder, so the score
 * and the severity always agree:
 *   0 .. low        -> 0    .. 0.25
 *   low .. medium   -> 0.25 .. 0.5
 *   medium .. high  -> 0.5  .. 0.75
 *   high .. critical-> 0.75 .. 1.0, and 1.0 at or above critical.
 * A signal built from several metrics takes the max of their scores.
 */
export function ladderScore(value: number, l: Ladder): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  if (value >= l[3]) return 1;
  // Segment i runs from the point below it (0 for the first) to l[i].
  for (let i = 0; i < 4; i++) {
    if (value < l[i]) {
      const lo = i === 0 ? 0 : l[i - 1];
      const span = l[i] - lo;
      const frac = span > 0 ? (value - lo) / span : 1;
      return round3((i + frac) * 0.25);
    }
  }
  return 1;
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
export const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
