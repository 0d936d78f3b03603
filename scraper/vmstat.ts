// /proc/vmstat: fault, swap, reclaim and OOM-kill counters as per-interval rates.
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { parseVmstat } from '../lib/procfs/vmstat.js';
import { CounterSet, perSecond, round, type Deltas } from './rates.js';
import { join, readText, type SampleTime, type Source, type SourceContext } from './source.js';

export type VmCounter = 'pgfault' | 'pgmajfault' | 'pswpin' | 'pswpout' | 'oom_kill' | 'pgscan' | 'pgsteal';

// Pages scanned/reclaimed, summed over who did the reclaim. Newer kernels also
// print pgscan_anon/pgscan_file (a split of the same pages) and
// pgscan_direct_throttle (a count of throttling events, not pages): adding those
// would double count. Kernels before 4.8 split by zone (pgscan_kswapd_normal...),
// which the optional suffix accepts.
const RECLAIMERS = /^pg(scan|steal)_(kswapd|direct|khugepaged|proactive)(_(dma|dma32|normal|high|movable|device))?$/;

export function vmCounters(vm: Map<string, number>): Record<VmCounter, number> {
  for (const k of ['pgfault', 'pgmajfault']) {
    if (!vm.has(k)) throw new Error(`vmstat: ${k} missing`);
  }
  let pgscan = 0;
  let pgsteal = 0;
  for (const [k, v] of vm) {
    const m = RECLAIMERS.exec(k);
    if (m?.[1] === 'scan') pgscan += v;
    else if (m?.[1] === 'steal') pgsteal += v;
  }
  return {
    pgfault: vm.get('pgfault')!,
    pgmajfault: vm.get('pgmajfault')!,
    // Absent on some kernel configs and versions (oom_kill arrived in 4.13): no events, so 0.
    pswpin: vm.get('pswpin') ?? 0,
    pswpout: vm.get('pswpout') ?? 0,
    oom_kill: vm.get('oom_kill') ?? 0,
    pgscan,
    pgsteal,
  };
}

export function vmstatFields(deltas: Deltas<VmCounter>): Omit<EventOf<'vmstat'>, 'v' | 'type' | 'ts'> {
  const { d, interval_s: s } = deltas;
  return {
    interval_s: round(s, 4),
    pgfault_per_s: perSecond(d.pgfault, s),
    pgmajfault_per_s: perSecond(d.pgmajfault, s),
    pswpin_per_s: perSecond(d.pswpin, s),
    pswpout_per_s: perSecond(d.pswpout, s),
    oom_kill_delta: d.oom_kill,
    pgscan_per_s: perSecond(d.pgscan, s),
    pgsteal_per_s: perSecond(d.pgsteal, s),
  };
}

export class VmstatSource implements Source {
  readonly name = 'vmstat';
  private readonly counters = new CounterSet<VmCounter>();
  constructor(private readonly ctx: SourceContext) {}

  sample(now: SampleTime): KsEvent[] {
    const vm = parseVmstat(readText(join(this.ctx.procRoot, 'vmstat')));
    const deltas = this.counters.update('vmstat', vmCounters(vm), now.mono);
    return deltas ? [makeEvent('vmstat', vmstatFields(deltas), now.ts)] : [];
  }
}
