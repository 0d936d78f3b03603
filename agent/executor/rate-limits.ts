// Cooldown per target and an hourly budget, both read from the audit trail itself:
// restarting the agent does not reset them.
import type { Db } from '../../lib/db.js';
import type { Refusal } from '../actions/types.js';

export interface RateLimits {
  readonly cooldownS: number;
  readonly hourlyBudget: number;
}

/** A live action "counts" from the row written just before it acted. */
const ACTED = "status IN ('executing', 'approved')";

/** When the agent last acted on a target (epoch seconds), or null. */
export function lastActedAt(db: Db, targetKey: string): number | null {
  return (db.prepare(`SELECT MAX(ts) AS ts FROM agent_actions WHERE ${ACTED} AND target_key = ?`).get(targetKey) as { ts: number | null }).ts;
}

export function checkRateLimits(db: Db, limits: RateLimits, targetKey: string, nowS: number): Refusal | null {
  const last = lastActedAt(db, targetKey);
  if (last !== null && nowS - last < limits.cooldownS) {
    return { rule: 'cooldown', detail: `acted on ${targetKey} ${Math.round(nowS - last)}s ago; cooldown is ${limits.cooldownS}s` };
  }
  const n = (db.prepare(`SELECT COUNT(*) AS n FROM agent_actions WHERE ${ACTED} AND ts > ?`).get(nowS - 3600) as { n: number }).n;
  if (n >= limits.hourlyBudget) return { rule: 'hourly_budget', detail: `${n} actions in the last hour; budget is ${limits.hourlyBudget}` };
  return null;
}
