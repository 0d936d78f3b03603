// Retry policy: exponential backoff with jitter, and a give-up limit within a
// time window so something that cannot work does not spin forever. The
// supervisor restarts children by it (jitter keeps children that died together
// from restarting in lock-step); the exports retry a down receiver by it.

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Fraction, e.g. 0.2 → delay × [0.8, 1.2]. */
  readonly jitter: number;
  /** Give up at this many failures within windowMs. */
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, jitter: 0.2, maxFailures: 5, windowMs: 60_000 };

export type RestartDecision = { readonly giveUp: true; readonly failures: number } | { readonly giveUp: false; readonly failures: number; readonly delayMs: number };

export class RestartPolicy {
  private failures: number[] = [];
  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF) {}

  /** Record a failure at `now` and decide: restart after a delay, or give up. */
  failure(now = Date.now()): RestartDecision {
    this.failures = this.failures.filter((t) => now - t < this.opts.windowMs);
    this.failures.push(now);
    const n = this.failures.length;
    if (n >= this.opts.maxFailures) return { giveUp: true, failures: n };
    const raw = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** (n - 1));
    const r = (this.opts.random ?? Math.random)();
    const delayMs = Math.round(raw * (1 + this.opts.jitter * (2 * r - 1)));
    return { giveUp: false, failures: n, delayMs };
  }

  reset(): void {
    this.failures = [];
  }
}
