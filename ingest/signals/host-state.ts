// The latest value of each scraped source, shared by the classifiers: deciding
// "CPU saturated" needs the cpu sample, the load, PSI cpu and the top processes,
// which arrive as separate events. Old values never count: `fresh` bounds the age.
import os from 'node:os';
import { EVENT_TYPES, type EventOf, type EventType, type KsEvent } from '../../lib/events.js';

const TYPE_INDEX = new Map(EVENT_TYPES.map((t, i) => [t, i]));

export type Psi = EventOf<'psi'>;
export type ProcessSample = EventOf<'process'>;

export interface TopProcess {
  readonly pid: number;
  readonly start_time: number;
  readonly comm: string;
  readonly cpu_pct: number;
  readonly state: string;
}

export class HostState {
  /** Latest ts per event type (index in EVENT_TYPES; NaN: never). Typed, so updating it allocates nothing. */
  private readonly seen = new Float64Array(EVENT_TYPES.length).fill(Number.NaN);
  /** Scrape interval, learned from the cpu event (the scraper's own cadence). */
  intervalS = 5;
  readonly psi = new Map<string, Psi>();
  memory?: EventOf<'memory'>;
  load?: EventOf<'load'>;
  cpu?: EventOf<'cpu'>;
  readonly procs = new Map<number, ProcessSample>();
  readonly ioTop = new Map<string, { pid: number; comm: string; ts: number; count: number }>();
  readonly sched = new Map<number, EventOf<'sched'>>();
  /** Lower bounds of the oldest ts in procs / sched: no prune scan until something can be stale. */
  private procsOldest = Number.POSITIVE_INFINITY;
  private schedOldest = Number.POSITIVE_INFINITY;

  constructor(private readonly fixedCpus?: number) {}

  /** The machine's CPU count: an explicit option, else what /proc/stat reported, else os. */
  get cpus(): number {
    return this.fixedCpus ?? this.cpu?.cpus ?? this.load?.cpus ?? Math.max(1, os.cpus().length);
  }

  update(ev: KsEvent): void {
    const i = TYPE_INDEX.get(ev.type)!;
    this.seen[i] = Math.max(ev.ts, Number.isNaN(this.seen[i]) ? 0 : this.seen[i]);
    switch (ev.type) {
      case 'cpu': this.cpu = ev; if (ev.interval_s > 0) this.intervalS = ev.interval_s; break;
      case 'memory': this.memory = ev; break;
      case 'load': this.load = ev; break;
      case 'psi': this.psi.set(ev.resource, ev); break;
      case 'process': this.procs.set(ev.pid, ev); this.procsOldest = this.prune(this.procs, ev.ts, this.procsOldest); break;
      case 'sched': this.sched.set(ev.pid, ev); this.schedOldest = this.prune(this.sched, ev.ts, this.schedOldest); break;
      case 'io_latency': {
        // One line per op: within one interval keep the top process of the busiest op.
        const cur = this.ioTop.get(ev.dev);
        const sameInterval = cur !== undefined && Math.abs(cur.ts - ev.ts) < ev.interval_s / 2;
        if (ev.top_pid !== undefined && (!sameInterval || ev.count > cur.count)) {
          this.ioTop.set(ev.dev, { pid: ev.top_pid, comm: ev.top_comm ?? '', ts: ev.ts, count: ev.count });
        }
        break;
      }
      default: break;
    }
  }

  /** Max age for a value to still describe "now": three scrapes, at least 15 s. */
  get maxAgeS(): number {
    return Math.max(15, 3 * this.intervalS);
  }

  fresh<T extends { ts: number }>(v: T | undefined, ts: number): T | undefined {
    return v && Math.abs(ts - v.ts) <= this.maxAgeS ? v : undefined;
  }

  /** Has an event of this type arrived recently (e.g. a tracer that supersedes a scraped value)? */
  recently(type: EventType, ts: number): boolean {
    const t = this.seen[TYPE_INDEX.get(type)!];
    return !Number.isNaN(t) && ts - t <= this.maxAgeS;
  }

  psiOf(resource: 'cpu' | 'memory' | 'io', ts: number): Psi | undefined {
    return this.fresh(this.psi.get(resource), ts);
  }

  /** Top processes by CPU from the latest scrape, for the agent to act on. */
  topCpu(ts: number, n = 5): TopProcess[] {
    return [...this.procs.values()]
      .filter((p) => Math.abs(ts - p.ts) <= this.maxAgeS)
      .sort((a, b) => b.cpu_pct - a.cpu_pct)
      .slice(0, n)
      .map((p) => ({ pid: p.pid, start_time: p.start_time, comm: p.comm, cpu_pct: p.cpu_pct, state: p.state }));
  }

  /** Processes in uninterruptible sleep (D): the ones waiting for the disk. */
  blocked(ts: number, n = 5): TopProcess[] {
    return this.topCpu(ts, 1000).filter((p) => p.state === 'D').slice(0, n);
  }

  /**
   * Drop entries older than maxAgeS; called right after an entry with this `ts`
   * was set, with a lower bound of the entries' ts, and returns the new bound.
   * Scanning every process for every process line was a large share of ingest's
   * time: the bound skips the scan exactly when it would delete nothing.
   */
  private prune<V extends { ts: number }>(m: Map<number, V>, ts: number, oldest: number): number {
    oldest = Math.min(oldest, ts);
    if (m.size < 64 || ts - oldest <= this.maxAgeS) return oldest;
    let min = Number.POSITIVE_INFINITY;
    for (const [k, v] of m) {
      if (ts - v.ts > this.maxAgeS) m.delete(k);
      else min = Math.min(min, v.ts);
    }
    return min;
  }
}

/**
 * PSI "some" now, as a percentage: the stall time measured over the last scrape
 * interval (delta of the kernel's `total` counter). avg10 lags by ~10-30 s in both
 * directions (it still reads 40% half a minute after a stall ended), so it is kept
 * as context, not used to decide.
 */
export const psiSomePct = (p: Psi): number => Math.min(100, p.some_stall_ms_per_s / 10);
