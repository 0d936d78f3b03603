// Counters become rates here, in one place, so every source handles the two
// cases the original got wrong the same way: the first sample of a counter has
// nothing to compare with (no rate, not "since boot"), and a counter that goes
// backwards (driver reset, device re-added, 32-bit wrap) only re-baselines.

export interface Deltas<K extends string> {
  /** Real elapsed seconds between the two samples (monotonic clock). */
  readonly interval_s: number;
  readonly d: Readonly<Record<K, number>>;
}

export interface CounterSetOptions<K extends string> {
  /**
   * Fields allowed to step back a little without counting as a reset; their
   * negative delta reads as 0. /proc/stat's iowait (and idle under NO_HZ) is
   * documented to decrease at times, and dropping a CPU interval for that would
   * hide real data.
   */
  readonly tolerate?: readonly K[];
}

interface Baseline<K extends string> { mono: number; values: Record<K, number> }

/** Previous values of several counters per key (device, interface, pid...). */
export class CounterSet<K extends string> {
  private readonly prev = new Map<string, Baseline<K>>();
  private readonly tolerate: ReadonlySet<K>;

  constructor(opts: CounterSetOptions<K> = {}) {
    this.tolerate = new Set(opts.tolerate ?? []);
  }

  /**
   * Record a sample and return the deltas since the previous one, or undefined
   * when there is no usable previous sample (first sight, reset, clock did not move).
   * `assumeZeroSince` (a monotonic time) treats an unseen key as having been 0
   * then: a process born between two rounds accrued all its counters in the interval.
   */
  update(key: string, values: Record<K, number>, mono: number, assumeZeroSince?: number): Deltas<K> | undefined {
    const before = this.prev.get(key) ?? (assumeZeroSince === undefined ? undefined : zeroBaseline(values, assumeZeroSince));
    this.prev.set(key, { mono, values: { ...values } });
    if (!before) return undefined;
    const interval_s = mono - before.mono;
    if (!(interval_s > 0)) return undefined;
    const d = {} as Record<K, number>;
    for (const k of Object.keys(values) as K[]) {
      const now = values[k];
      const then = before.values[k];
      if (!Number.isFinite(now) || !Number.isFinite(then)) return undefined;
      let delta = now - then;
      if (delta < 0) {
        if (!this.tolerate.has(k)) return undefined;
        delta = 0;
      }
      d[k] = delta;
    }
    return { interval_s, d };
  }

  /** Forget keys not seen in the latest round, so vanished devices/pids do not pile up. */
  retain(seen: ReadonlySet<string>): void {
    for (const key of this.prev.keys()) if (!seen.has(key)) this.prev.delete(key);
  }

  has(key: string): boolean {
    return this.prev.has(key);
  }

  get size(): number {
    return this.prev.size;
  }
}

function zeroBaseline<K extends string>(values: Record<K, number>, mono: number): Baseline<K> {
  const zero = {} as Record<K, number>;
  for (const k of Object.keys(values) as K[]) zero[k] = 0;
  return { mono, values: zero };
}

/** Per-second rate of a delta. */
export function perSecond(delta: number, interval_s: number): number {
  return round(delta / interval_s, 3);
}

/** Round for output: keeps lines short and never emits -0. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r;
}

/** Share of a whole in percent, 0 when the whole is 0, clamped to 0..100. */
export function pct(part: number, whole: number): number {
  if (!(whole > 0)) return 0;
  return round(Math.min(100, Math.max(0, (part / whole) * 100)), 2);
}
