// Confidence from evidence, never a constant. Four things raise it: how much of the
// problem the target explains (attribution), how strong the signals are, how long
// the condition has lasted, and whether the trend is real (R²-weighted). It is then
// scaled by this action's track record on this host (verified vs rolled back,
// Laplace-smoothed so an action with no history starts in the middle).
import type { Db } from '../../lib/db.js';
import type { Cause } from './explain.js';
import type { Projection } from '../../lib/trend.js';

export interface ConfidenceBreakdown {
  readonly confidence: number;
  readonly attribution: number;
  readonly signalStrength: number;
  readonly persistence: number;
  readonly trendSupport: number;
  readonly trackRecord: number;
  readonly verified: number;
  readonly failed: number;
}

export function trackRecord(db: Db, action: string): { rate: number; verified: number; failed: number } {
  const r = db.prepare(`SELECT
      SUM(CASE WHEN status = 'verified' THEN 1 ELSE 0 END) AS ok,
      SUM(CASE WHEN status IN ('rolled_back', 'rollback_failed', 'verify_failed') AND verification_json IS NOT NULL THEN 1 ELSE 0 END) AS bad
    FROM agent_actions WHERE action = ? AND ref_action_id IS NOT NULL`).get(action) as { ok: number | null; bad: number | null };
  const verified = r.ok ?? 0, failed = r.bad ?? 0;
  return { rate: (verified + 1) / (verified + failed + 2), verified, failed };
}

/** How much the trend supports acting: a confident fit heading for (or past) the threshold. */
export function trendSupport(p: Projection | undefined): number {
  if (!p) return 0.25; // no history: neither for nor against
  if (p.timeToThresholdS === 0) return Math.max(0.5, p.confidence);
  if (p.timeToThresholdS !== null) return p.confidence;
  return p.confidence * 0.3; // well fitted but not heading for trouble
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function confidenceFor(db: Db, action: string, cause: Cause | undefined, projection: Projection | undefined): ConfidenceBreakdown {
  const t = trackRecord(db, action);
  const attribution = cause?.attribution ?? 0;
  const signalStrength = cause?.signalStrength ?? 0;
  const persistence = cause?.persistence ?? 0;
  const ts = trendSupport(projection);
  const evidence = 0.4 * attribution + 0.3 * signalStrength + 0.15 * persistence + 0.15 * ts;
  return {
    confidence: r3(Math.min(1, evidence * (0.5 + 0.5 * t.rate))),
    attribution, signalStrength, persistence, trendSupport: r3(ts), trackRecord: r3(t.rate), verified: t.verified, failed: t.failed,
  };
}
