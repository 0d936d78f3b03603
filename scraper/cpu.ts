// /proc/stat: CPU time split and context switches as per-interval shares and rates.
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { CounterSet, pct, perSecond, round, type Deltas } from './rates.js';
import { join, readText, toNumber, type SampleTime, type Source, type SourceContext } from './source.js';

/** The counters of the aggregate "cpu" line (clock ticks), plus ctxt. */
export const CPU_COUNTERS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'ctxt'] as const;
export type CpuCounter = (typeof CPU_COUNTERS)[number];

export interface CpuStat {
  counters: Record<CpuCounter, number>;
  /** Number of per-CPU lines (cpu0, cpu1...): the CPUs the kernel reports on. */
  cpus: number;
  procs_running: number;
  procs_blocked: number;
}

export function parseStat(text: string): CpuStat {
  let cpuLine: string[] | undefined;
  let cpus = 0;
  let ctxt: number | undefined;
  let running = 0;
  let blocked = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'cpu') cpuLine = f;
    else if (/^cpu\d+$/.test(f[0])) cpus++;
    else if (f[0] === 'ctxt') ctxt = toNumber(f[1], 'stat ctxt');
    else if (f[0] === 'procs_running') running = toNumber(f[1], 'stat procs_running');
    else if (f[0] === 'procs_blocked') blocked = toNumber(f[1], 'stat procs_blocked');
  }
  if (!cpuLine || cpuLine.length < 5) throw new Error('stat: no aggregate "cpu" line');
  // Older kernels stop after idle/iowait/irq...; missing columns are zero.
  const col = (i: number, name: string): number => (cpuLine![i] === undefined ? 0 : toNumber(cpuLine![i], `stat cpu ${name}`));
  const counters: Record<CpuCounter, number> = {
    user: col(1, 'user'), nice: col(2, 'nice'), system: col(3, 'system'), idle: col(4, 'idle'),
    iowait: col(5, 'iowait'), irq: col(6, 'irq'), softirq: col(7, 'softirq'), steal: col(8, 'steal'),
    ctxt: ctxt ?? 0,
  };
  // guest and guest_nice are already counted inside user and nice; adding them would double count.
  return { counters, cpus: Math.max(1, cpus), procs_running: running, procs_blocked: blocked };
}

export function cpuFields(stat: CpuStat, deltas: Deltas<CpuCounter>): Omit<EventOf<'cpu'>, 'v' | 'type' | 'ts'> {
  const d = deltas.d;
  const total = d.user + d.nice + d.system + d.idle + d.iowait + d.irq + d.softirq + d.steal;
  const idle = pct(d.idle, total);
  const iowait = pct(d.iowait, total);
  return {
    interval_s: round(deltas.interval_s, 4),
    cpus: stat.cpus,
    user_pct: pct(d.user + d.nice, total),
    system_pct: pct(d.system, total),
    iowait_pct: iowait,
    irq_pct: pct(d.irq + d.softirq, total),
    steal_pct: pct(d.steal, total),
    idle_pct: idle,
    // An interval with no ticks at all reads as idle, not as 100% busy.
    busy_pct: total > 0 ? round(Math.max(0, 100 - idle - iowait), 2) : 0,
    ctxt_per_s: perSecond(d.ctxt, deltas.interval_s),
    procs_running: stat.procs_running,
    procs_blocked: stat.procs_blocked,
  };
}

export class CpuSource implements Source {
  readonly name = 'cpu';
  private readonly counters = new CounterSet<CpuCounter>({ tolerate: ['idle', 'iowait'] });
  constructor(private readonly ctx: SourceContext) {}

  sample(now: SampleTime): KsEvent[] {
    const stat = parseStat(readText(join(this.ctx.procRoot, 'stat')));
    const deltas = this.counters.update('cpu', stat.counters, now.mono);
    return deltas ? [makeEvent('cpu', cpuFields(stat, deltas), now.ts)] : [];
  }
}
