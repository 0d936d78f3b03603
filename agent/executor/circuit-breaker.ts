// After repeated failed verifications the agent stops acting (drops to dry-run)
// until a person resets it (npm run actions -- --reset-breaker) or the cool-off
// passes. Failures and trips are read from the database, so a restart keeps them.
import { writeTx, type Db } from '../../lib/db.js';

export interface BreakerConfig {
  /** Failed verifications within the window that trip the breaker. */
  readonly threshold: number;
  readonly windowS: number;
  /** How long a trip keeps the agent in dry-run (0 = until reset by a person). */
  readonly cooloffS: number;
}

export interface BreakerState {
  readonly open: boolean;
  readonly failures: number;
  readonly trippedAt?: number;
  readonly reason?: string;
}

/** Rolled back, could not roll back, or could not be rolled back while worse. */
const FAILED = "status IN ('rolled_back', 'rollback_failed', 'verify_failed') AND verification_json IS NOT NULL";

interface Event { ts: number; event: 'tripped' | 'reset'; reason: string }

export class CircuitBreaker {
  constructor(private readonly db: Db, private readonly cfg: BreakerConfig) {}

  private lastEvent(): Event | undefined {
    return this.db.prepare('SELECT ts, event, reason FROM agent_breaker_events ORDER BY id DESC LIMIT 1').get() as Event | undefined;
  }

  private failuresSince(ts: number): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM agent_actions WHERE ${FAILED} AND ts > ?`).get(ts) as { n: number }).n;
  }

  /** Current state; trips (and records the trip) when the threshold is reached. */
  state(nowS = Date.now() / 1000): BreakerState {
    const last = this.lastEvent();
    if (last?.event === 'tripped' && (this.cfg.cooloffS === 0 || nowS - last.ts < this.cfg.cooloffS)) {
      return { open: true, failures: this.failuresSince(last.ts), trippedAt: last.ts, reason: last.reason };
    }
    const since = Math.max(last?.ts ?? 0, nowS - this.cfg.windowS);
    const failures = this.failuresSince(since);
    if (failures < this.cfg.threshold) return { open: false, failures };
    const reason = `${failures} failed verifications within ${this.cfg.windowS}s (threshold ${this.cfg.threshold})`;
    writeTx(this.db, () => this.db.prepare('INSERT INTO agent_breaker_events (ts, event, failures, reason) VALUES (?, ?, ?, ?)').run(nowS, 'tripped', failures, reason));
    return { open: true, failures, trippedAt: nowS, reason };
  }

  reset(reason: string, nowS = Date.now() / 1000): void {
    writeTx(this.db, () => this.db.prepare('INSERT INTO agent_breaker_events (ts, event, failures, reason) VALUES (?, ?, 0, ?)').run(nowS, 'reset', reason));
  }
}
