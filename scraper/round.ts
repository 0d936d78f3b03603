// One scrape round over every source. A source that cannot be read is reported
// once and skipped until it comes back; one that throws on odd content loses
// only this round (rate-limited error log); the others always go on.
import { validateEvent, type KsEvent } from '../lib/events.js';
import { RateLimiter, type Logger } from '../lib/logger.js';
import { isUnavailable, type SampleTime, type Source } from './source.js';

export class RoundRunner {
  private readonly unavailable = new Set<string>();
  private readonly limiter = new RateLimiter(3, 60_000);
  /** Rounds in which a source failed or produced an invalid event, per source. */
  readonly failures = new Map<string, number>();

  constructor(private readonly sources: readonly Source[], private readonly log: Logger) {}

  run(now: SampleTime): KsEvent[] {
    const out: KsEvent[] = [];
    for (const source of this.sources) {
      let events: KsEvent[];
      try {
        events = source.sample(now);
      } catch (err) {
        this.fail(source.name, err);
        continue;
      }
      if (this.unavailable.delete(source.name)) this.log.info(`source ${source.name} is readable again`);
      for (const e of events) {
        try {
          // A bug that yields NaN or a missing field must not reach ingest as a bad line.
          out.push(validateEvent(e, now.ts + 60));
        } catch (err) {
          this.fail(source.name, err);
        }
      }
    }
    return out;
  }

  private fail(name: string, err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    if (isUnavailable(err)) {
      if (!this.unavailable.has(name)) this.log.warn(`source ${name} unavailable, skipping it: ${msg}`);
      this.unavailable.add(name);
      return;
    }
    this.failures.set(name, (this.failures.get(name) ?? 0) + 1);
    const gate = this.limiter.allow(name);
    if (gate.ok) {
      const more = gate.suppressed ? ` (${gate.suppressed} similar messages suppressed)` : '';
      this.log.error(`source ${name} skipped this round: ${msg}${more}`);
    }
  }
}
