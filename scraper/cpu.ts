// /proc/stat: CPU time split and context switches as per-interval shares and rates.
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { parseSystemStat, type CpuTimes, type SystemStat } from '../lib/procfs/stat.js';
import { CounterSet, pct, perSecond, round, type Deltas } from './rates.js';
import { join, readText, type SampleTime, type Source, type SourceContext } from './source.js';

/** The counters of the aggregate "cpu" line (clock ticks), plus ctxt. */
export type CpuCounter = keyof CpuTimes | 'ctxt';

export function cpuCounters(stat: SystemStat): Record<CpuCounter, number> {
  return { ...stat.cpu, ctxt: stat.ctxt };
}

export function cpuFields(stat: SystemStat, deltas: Deltas<CpuCounter>): Omit<EventOf<'cpu'>, 'v' | 'type' | 'ts'> {
  const d = deltas.d;
  const total = d.user + d.nice + d.system + d.idle + d.iowait + d.irq + d.softirq + d.steal;
  const idle = pct(d.idle, total);
  const iowait = pct(d.iowait, total);
  return {
    interval_s: round(deltas.interval_s, 4),
    cpus: Math.max(1, stat.cpus),
    user_pct: pct(d.user + d.nice, total),
    system_pct: pct(d.system, total),
    iowait_pct: iowait,
    irq_pct: pct(d.irq + d.softirq, total),
    steal_pct: pct(d.steal, total),
    idle_pct: idle,
    // An interval with no ticks at all reads as idle, not as 100% busy.
    busy_pct: total > 0 ? round(Math.max(0, 100 - idle - iowait), 2) : 0,
    ctxt_per_s: perSecond(d.ctxt, deltas.interval_s),
    procs_running: stat.procsRunning,
    procs_blocked: stat.procsBlocked,
  };
}

export class CpuSource implements Source {
  readonly name = 'cpu';
  private readonly counters = new CounterSet<CpuCounter>({ tolerate: ['idle', 'iowait'] });
  constructor(private readonly ctx: SourceContext) {}

  sample(now: SampleTime): KsEvent[] {
    const stat = parseSystemStat(readText(join(this.ctx.procRoot, 'stat')));
    const deltas = this.counters.update('cpu', cpuCounters(stat), now.mono);
    return deltas ? [makeEvent('cpu', cpuFields(stat, deltas), now.ts)] : [];
  }
}
