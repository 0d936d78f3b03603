// The latest value of each scraped source, shared by the classifiers: deciding
// "CPU saturated" needs the cpu sample, the load, PSI cpu and the top processes,
// which arrive as separate events. Old values never count: `fresh` bounds the age.
import os from 'node:os';
import type { EventOf, EventType, KsEvent } from '../../lib/events.js';

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
  private readonly seen = new Map<EventType, number>();
  /** Scrape interval, learned from the cpu event (the scraper's own cadence). */
  intervalS = 5;
  readonly psi = new Map<string, Psi>();
  memory?: EventOf<'memory'>;
  load?: EventOf<'load'>;
  cpu?: EventOf<'cpu'>;
  readonly procs = new Map<number, ProcessSample>();
  readonly ioTop = new Map<string, { pid: number; comm: string; ts: number; count: number }>();
  readonly sched = new Map<number, EventOf<'sched'>>();

  constructor(private readonly fixedCpus?: number) {}

  /** The machine's CPU count: an explicit option, else what /proc/stat reported, else os. */
  get cpus(): number {
    return this.fixedCpus ?? this.cpu?.cpus ?? this.load?.cpus ?? Math.max(1, os.cpus().length);
  }

  update(ev: KsEvent): void {
    this.seen.set(ev.type, Math.max(ev.ts, this.seen.get(ev.type) ?? 0));
    switch (ev.type) {
      case 'cpu': this.cpu = ev; if (ev.interval_s > 0) this.intervalS = ev.interval_s; break;
      case 'memory': this.memory = ev; break;
      case 'load': this.load = ev; break;
      case 'psi': this.psi.set(ev.resource, ev); break;
      case 'process': this.procs.set(ev.pid, ev); this.prune(this.procs, ev.ts); break;
      case 'sched': this.sched.set(ev.pid, ev); this.prune(this.sched, ev.ts); break;
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
    const t = this.seen.get(type);
    return t !== undefined && ts - t <= this.maxAgeS;
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

  private prune<V extends { ts: number }>(m: Map<number, V>, ts: number): void {
    if (m.size < 64) return;
    for (const [k, v] of m) if (ts - v.ts > this.maxAgeS) m.delete(k);
  }
}

/**
 * PSI "some" now, as a percentage: the stall time measured over the last scrape
 * interval (delta of the kernel's `total` counter). avg10 lags by ~10-30 s in both
 * directions (it still reads 40% half a minute after a stall ended), so it is kept
 * as context, not used to decide.
 */
export const psiSomePct = (p: Psi): number => Math.min(100, p.some_stall_ms_per_s / 10);
