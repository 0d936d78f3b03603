// Calls fn at a fixed cadence on the monotonic clock: tick k is due at
// start + k * interval, so the time a round takes does not push later rounds
// back. Ticks missed while a round overran are skipped, not bunched up.
import { monoSeconds } from './source.js';

export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private stopped = false;
  /** Ticks skipped because a round (or the event loop) overran. */
  skipped = 0;

  constructor(private readonly intervalS: number, private readonly fn: () => void) {}

  /** First tick one interval after `from` (monotonic seconds; default now). */
  start(from = monoSeconds()): void {
    this.next = from + this.intervalS;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    const waitMs = Math.max(0, (this.next - monoSeconds()) * 1000);
    this.timer = setTimeout(() => this.tick(), waitMs);
  }

  private tick(): void {
    if (this.stopped) return;
    this.fn();
    this.next += this.intervalS;
    const now = monoSeconds();
    if (this.next <= now) {
      const behind = Math.floor((now - this.next) / this.intervalS) + 1;
      this.skipped += behind;
      this.next += behind * this.intervalS;
    }
    this.arm();
  }
}
