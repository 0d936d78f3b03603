// EXPLAIN: turn open signals into ranked causes. A cause names a resource, the
// signals behind it, and (when one process explains it) that process's ref, with
// how much of the problem it accounts for. Evidence is numbers only.
import { bySeverityDesc, rank } from '../../lib/severity.js';
import { resourceOf, type Resource } from '../../lib/signal-resource.js';
import type { Observation, ObservedSignal, ObservedTarget } from './observe.js';

export type { Resource };

export type CauseKind = 'cpu_hog' | 'lock_convoy' | 'io_hog' | 'io_reader' | 'memory_hog' | 'swap' | 'dirty_writeback' | 'tcp_fin_wait' | 'tcp_backlog' | 'unattributed';

export interface Cause {
  readonly id: string;
  readonly kind: CauseKind;
  readonly resource: Resource;
  /** Ranking score 0..1: signal strength times how well the cause explains it. */
  readonly score: number;
  /** Strength of the signals behind it, 0..1. */
  readonly signalStrength: number;
  /** How long the condition has lasted, as 0..1 of a minute-plus. */
  readonly persistence: number;
  /** Share of the problem the target explains, 0..1 (1 for system-wide knobs that match). */
  readonly attribution: number;
  readonly signalIds: number[];
  readonly targetRef?: string;
  readonly evidence: string[];
  readonly maxSeverity: string;
  /** What a person can do when no action in the catalogue acts on this cause. */
  readonly advice?: string;
}

/** How much a signal of each severity (lib/severity.ts order) weighs as evidence. */
const WEIGHT: readonly number[] = [0.1, 0.25, 0.5, 0.75, 1];
// A minor-fault storm is CPU burnt in the kernel on the faulting process's behalf
// (zeroing and mapping pages), not a shortage of memory: it is explained, and
// relieved, like any other CPU hog.

/**
 * Below this many writes a second by others on the reader's disks, VERIFY's
 * 500 ms slices mostly see none: there is no victim it could measure.
 */
const VICTIM_WRITES_PER_S = 4;
/** A workload writing less than this counts as a pure reader (its own writes are not subtracted). */
const READER_MAX_WRITE_BPS = 64 * 1024;

/**
 * For a workload that only reads: writes per second completed on its disks (all
 * of them someone else's). Undefined when it writes too, or its disks or their
 * rates are unknown.
 */
function othersWritesPerS(obs: Observation, t: ObservedTarget): number | undefined {
  const reads = t.readBytesPerS, writes = t.writeBytesPerS;
  if (reads === undefined || writes === undefined || writes >= READER_MAX_WRITE_BPS || reads <= writes || !(t.disks ?? []).length) return undefined;
  let sum = 0;
  for (const d of t.disks) {
    const r = obs.disks?.[d.name]?.writesPerS;
    if (r === undefined) return undefined;
    sum += r;
  }
  return sum;
}


const strength = (s: ObservedSignal) => (WEIGHT[rank(s.severity)] ?? 0.25) * Math.min(1, Math.max(0, s.pressure));
const r2 = (x: number) => Math.round(x * 100) / 100;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Prefer a process the signals name that is still burning the resource; else the
 * live top one. `eligible` says who counts as burning it at all; protected
 * processes never do, but the evidence says when they are the big consumers.
 */
function culprit(obs: Observation, sigs: ObservedSignal[], key: (t: ObservedTarget) => number, eligible: (t: ObservedTarget) => boolean): { t?: ObservedTarget; note?: string } {
  const ids = new Set(sigs.map((s) => s.id));
  const ranked = obs.targets.filter((t) => eligible(t)).sort((a, b) => key(b) - key(a));
  const candidates = ranked.filter((t) => t.protectedReason === null);
  const named = candidates.find((t) => t.signalIds.some((id) => ids.has(id)));
  const liveTop = candidates[0];
  // A named process wins unless the live top burns clearly more (the signal is older than now).
  const t = named && (!liveTop || key(named) >= key(liveTop) * 0.5) ? named : liveTop;
  const shielded = ranked.filter((x) => x.protectedReason !== null).slice(0, 3);
  const note = shielded.length ? shielded.map((x) => `${x.ref} is protected (${x.protectedReason})`).join(', ') : undefined;
  return { t, note: note && `large consumers: ${note}` };
}

function explainResource(obs: Observation, res: Resource, sigs: ObservedSignal[]): Omit<Cause, 'id'>[] {
  const signalStrength = r2(1 - sigs.reduce((p, s) => p * (1 - strength(s)), 1));
  const persistence = r2(Math.min(1, Math.max(...sigs.map((s) => s.durationS)) / 60));
  const maxSeverity = [...sigs].sort(bySeverityDesc)[0]?.severity ?? 'low';
  const signalIds = sigs.map((s) => s.id);
  const types = new Set(sigs.map((s) => s.type));
  const mk = (kind: CauseKind, attribution: number, evidence: string[], targetRef?: string): Omit<Cause, 'id'> => ({
    kind, resource: res, score: r2(signalStrength * (0.5 + 0.5 * attribution)), signalStrength, persistence,
    attribution: r2(attribution), signalIds, targetRef, evidence, maxSeverity,
  });
  const sys = obs.system;
  const base = [`system cpu busy ${r2(sys.busyPct)}% of ${obs.cpus} cpus`, ...(sys.cpuStallPct !== undefined ? [`cpu stall ${r2(sys.cpuStallPct)}%`] : [])];
  switch (res) {
    case 'cpu': {
      // Burning: >= 30% of a CPU, or wanting >= 60% (running + waiting) on a box too busy to give it.
      const { t, note } = culprit(obs, sigs, (x) => Math.max(x.cpuPct, x.cpuDemandPct), (x) => x.cpuPct >= 30 || x.cpuDemandPct >= 60);
      const ev = [...base, ...(note ? [note] : [])];
      if (sigs.every((x) => x.type === 'lock_contention')) {
        // Waiting for a lock, not for a CPU: a CPU share changes the order tasks run
        // in, not how many queue for the lock, and pausing a holder keeps it held.
        const who = t ? `${t.ref}${(t.members?.length ?? 1) > 1 ? ` (${t.members!.length} processes)` : ''}` : 'the contending processes';
        return [{ ...mk('lock_convoy', t ? 1 : 0, [...ev, `lock_contention without cpu saturation${t ? `: ${t.ref} holds or waits for the lock, using ${t.cpuPct}% of one cpu` : ''}`], t?.ref),
          advice: `a lock convoy: ${who} take the same lock in turn and the others queue behind them; no action here shortens that queue (a CPU priority or weight reorders runnable tasks, a pause would stop a holder with the lock held): fewer workers on that lock or shorter hold times do` }];
      }
      if (!t) return [mk('unattributed', 0, [...ev, 'no unprotected process uses >= 30% of a cpu or wants >= 60%'])];
      const share = Math.min(1, t.cpuPct / Math.max(sys.busyCpuPct, 1));
      const n = t.members?.length ?? 1;
      const idleCpu = sys.cpuStallPct !== undefined && sys.cpuStallPct < 5;
      const ag = t.autogroup;
      return [mk('cpu_hog', share, [...ev, `${t.ref}${n > 1 ? ` (a workload of ${n} processes)` : ''} uses ${t.cpuPct}% of one cpu (${Math.round(share * 100)}% of all busy cpu) and wants ${t.cpuDemandPct}%, nice ${t.nice}`,
        ag ? `mechanism: autogroup is on and ${t.ref} runs in ${ag}, so nice does not reach other sessions; a cgroup weight or quota does` : `mechanism: ${t.ref} is not under autogroup; nice orders it against the tasks of its cpu cgroup`,
        ...(idleCpu ? [`cpu stall ${r2(sys.cpuStallPct!)}%: hardly anyone waits for a CPU, so a CPU action has little to give back`] : [])], t.ref)];
    }
    case 'io': {
      const { t, note } = culprit(obs, sigs, (x) => x.ioBytesPerS, (x) => x.ioBytesPerS >= 1 << 20);
      const total = obs.targets.reduce((s, x) => s + x.ioBytesPerS, 0);
      const ev = [...(sys.ioStallPct !== undefined ? [`io stall ${r2(sys.ioStallPct)}%`] : []), ...(note ? [note] : [])];
      const out: Omit<Cause, 'id'>[] = [];
      if (t) {
        const disks = (t.disks ?? []).map((d) => `${d.name} (${d.scheduler})`).join(', ') || 'no disk found';
        const evidence = [...ev, `${t.ref} moves ${Math.round(t.ioBytesPerS / 1024)} KiB/s (${Math.round((100 * t.ioBytesPerS) / Math.max(total, 1))}% of observed process I/O)`,
          `mechanism: ${t.ref} does I/O on ${disks}; I/O priorities need BFQ (levels) or mq-deadline (classes), a bandwidth limit works on any`];
        const attribution = total ? t.ioBytesPerS / total : 0;
        const others = othersWritesPerS(obs, t);
        if (others !== undefined && others < VICTIM_WRITES_PER_S) {
          // A reader whose only possible victims are other readers: the disk's read
          // latency includes the reader's own, so no window can show them helped,
          // and VERIFY would roll any cap back as neutral. Say so instead of acting.
          out.push({ ...mk('io_reader', attribution, [...evidence, `${t.ref} reads ${Math.round((t.readBytesPerS ?? 0) / 1024)} KiB/s; other processes complete ${Math.round(others * 10) / 10} writes/s on ${disks}`], t.ref),
            advice: `${t.ref} reads ${Math.round((t.readBytesPerS ?? 0) / 1048576)} MiB/s and hardly anything else writes on ${disks}: whoever it slows down is another reader, whose latency the disk's counters cannot tell from ${t.ref}'s own, so a bandwidth cap here could not be verified and is not taken. With major faults beside it (a memory cgroup too small for the working sets in it), raise that cgroup's memory limit or move ${t.ref} out of it; a bulk reader can also run under a blkio/io.max cap or ionice -c3 (BFQ) set by its owner` });
        } else {
          out.push(mk('io_hog', attribution, evidence, t.ref));
        }
      }
      const mem = obs.latest.memory;
      const dirty = num(mem?.dirty_kb), total_kb = num(mem?.total_kb);
      if (dirty !== undefined && total_kb && dirty / total_kb > 0.05) {
        out.push(mk('dirty_writeback', Math.min(1, dirty / total_kb / 0.2), [...ev, `dirty memory ${Math.round(dirty / 1024)} MiB (${r2((100 * dirty) / total_kb)}% of RAM)`]));
      }
      return out.length ? out : [mk('unattributed', 0, [...ev, 'no process moves >= 1 MiB/s'])];
    }
    case 'memory': {
      const out: Omit<Cause, 'id'>[] = [];
      const vm = obs.latest.vmstat;
      const swapRate = (num(vm?.pswpin_per_s) ?? 0) + (num(vm?.pswpout_per_s) ?? 0);
      if (types.has('swap_thrashing') || swapRate > 100) {
        out.push({ ...mk('swap', Math.min(1, swapRate / 1000), [`swap in+out ${Math.round(swapRate)} pages/s`, `vm.swappiness ${obs.sysctls['vm.swappiness']}`]),
          advice: 'the working set does not fit: cap the largest workload\'s memory on its cgroup (memory.high on v2, memory.limit_in_bytes on v1) or add memory; vm.swappiness is not an action here (on cgroup v1 each cgroup has its own)' });
      }
      const { t, note } = culprit(obs, sigs, (x) => x.memPct, (x) => x.memPct >= 10);
      if (t) out.push(mk('memory_hog', Math.min(1, t.memPct / 50), [`${t.ref} holds ${t.memPct}% of RAM (${Math.round(t.rssKb / 1024)} MiB rss)`, ...(note ? [note] : [])], t.ref));
      return out.length ? out : [mk('unattributed', 0, ['no unprotected process holds >= 10% of RAM'])];
    }
    case 'network': {
      const ctx = Object.assign({}, ...sigs.map((s) => s.context)) as Record<string, unknown>;
      const tcp = obs.latest.tcp;
      const pick = (k: string) => num(ctx[k]) ?? num(tcp?.[k]) ?? 0;
      const out: Omit<Cause, 'id'>[] = [];
      const fw2 = pick('fin_wait2'), tw = pick('time_wait'), syn = pick('syn_recv');
      if (fw2 > 100 || tw > 1000) {
        const advice = tw >= fw2
          ? `TIME_WAIT lasts a fixed 60 s in Linux (tcp_fin_timeout does not shorten it): reuse connections (keep-alive, pooling); for outgoing connections net.ipv4.tcp_tw_reuse (now ${obs.sysctls['net.ipv4.tcp_tw_reuse']}) lets new ones reuse TIME_WAIT ports, if the operator allows it`
          : `orphaned FIN_WAIT2 sockets: the peer does not finish closing; net.ipv4.tcp_fin_timeout (now ${obs.sysctls['net.ipv4.tcp_fin_timeout']} s) bounds how long they stay`;
        out.push({ ...mk('tcp_fin_wait', Math.min(1, Math.max(fw2 / 1000, tw / 5000)), [`fin_wait2 ${fw2}`, `time_wait ${tw}`, `tcp_fin_timeout ${obs.sysctls['net.ipv4.tcp_fin_timeout']}`]), advice });
      }
      if (syn > 100 || obs.system.listenDropsPerS > 0) out.push({ advice: `a listener's accept queue overflows: its backlog is fixed at listen() (min of the listen() argument and net.core.somaxconn, now ${obs.sysctls['net.core.somaxconn']}), so raise both and restart the service; SYN cookies ${obs.sysctls['net.ipv4.tcp_syncookies'] ? 'are on' : 'are off'}`, ...mk('tcp_backlog', Math.min(1, Math.max(syn / 500, obs.system.listenDropsPerS / 10)), [`syn_recv ${syn}`, `listen drops ${r2(obs.system.listenDropsPerS)}/s`, `tcp_max_syn_backlog ${obs.sysctls['net.ipv4.tcp_max_syn_backlog']}`, `somaxconn ${obs.sysctls['net.core.somaxconn']}`]) });
      return out.length ? out : [mk('unattributed', 0, ['no tunable matches (retransmits/loss are outside the catalogue)'])];
    }
    default:
      return [mk('unattributed', 0, ['informational signal'])];
  }
}

export function explain(obs: Observation): Cause[] {
  const groups = new Map<Resource, ObservedSignal[]>();
  for (const s of obs.signals) {
    const r = resourceOf(s.type);
    groups.set(r, [...(groups.get(r) ?? []), s]);
  }
  const causes = [...groups].flatMap(([r, sigs]) => explainResource(obs, r, sigs));
  return causes.sort((a, b) => b.score - a.score).map((c, i) => ({ ...c, id: `c${i + 1}` }));
}
