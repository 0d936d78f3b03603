// OBSERVE's live look at the processes: a sampling window over every process,
// the few worth a reference (named by a signal, or top by CPU, demand, memory,
// I/O), each as its workload, with why the executor would refuse it, its disks
// and its autogroup. It reads what only root may read of other users' processes
// (/proc/<pid>/io, exe, fd), so an unprivileged agent asks the executor for it
// (ActionPort.look); the answer is numbers and names, nothing that acts.
import { readMeminfo } from '../../lib/procfs/meminfo.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { autogroupOf, workloadDisks, type BlockDevice } from '../actions/mechanism.js';
import type { ProtectionPolicy } from '../executor/protected.js';
import type { TargetEntry } from '../executor/types.js';
import { sample, type ProcessWindow } from './sampler.js';
import type { SystemWindow } from './system.js';
import { groupWorkloads } from './workload.js';

/** A process a signal names (startTime null: any process with that pid), with the signals naming it. */
export interface LookCandidate { readonly pid: number; readonly startTime: number | null; readonly signalIds: number[] }

export interface LookRequest {
  readonly candidates: readonly LookCandidate[];
  readonly sampleMs: number;
  readonly maxTargets: number;
}

export interface ProcessLook {
  readonly system: SystemWindow;
  readonly targets: ObservedTarget[];
}

export interface ObservedTarget extends TargetEntry {
  readonly ref: string;
  /** Sums over the workload's processes (members): a job of four workers is one target. */
  readonly cpuPct: number;
  /** Running + waiting for a CPU, % of one CPU: demand, even when starved. */
  readonly cpuDemandPct: number;
  readonly rssKb: number;
  readonly memPct: number;
  readonly nice: number;
  readonly state: string;
  readonly threads: number;
  readonly ioBytesPerS: number;
  /** The two directions of ioBytesPerS (absent in older observations). */
  readonly readBytesPerS?: number;
  readonly writeBytesPerS?: number;
  /** Why the executor would refuse it, or null. */
  readonly protectedReason: string | null;
  /** The workload's disks and their schedulers, and the autogroup it competes in (null: none): what EXPLAIN and the rules check mechanisms against. */
  readonly disks: readonly BlockDevice[];
  readonly autogroup: string | null;
  readonly signalIds: number[];
}

export async function lookAtProcesses(protection: ProtectionPolicy, o: LookRequest, signal?: AbortSignal): Promise<ProcessLook> {
  const live = await sample(o.sampleMs, undefined, signal);
  const memKb = readMeminfo()?.get('MemTotal') ?? 0;
  const byPid = new Map(live.processes.map((p) => [p.pid, p]));

  // Who is worth a reference: processes named by signals (if still the same process)
  // and the live top consumers of CPU, memory and I/O.
  const wanted = new Map<number, number[]>();
  for (const c of o.candidates) {
    const p = byPid.get(c.pid);
    if (!p || (c.startTime !== null && c.startTime !== p.startTime)) continue;
    wanted.set(c.pid, [...(wanted.get(c.pid) ?? []), ...c.signalIds]);
  }
  // Protected processes must not crowd out actionable ones: per measure, the top few
  // unprotected consumers, plus a couple of protected ones so the evidence can say so.
  const reasons = new Map<number, string | null>();
  const reasonOf = (p: ProcessWindow): string | null => {
    if (!reasons.has(p.pid)) {
      const stat = readPidStat(p.pid);
      reasons.set(p.pid, stat && stat.startTime === p.startTime ? protection.reason(stat) : 'target_gone');
    }
    return reasons.get(p.pid)!;
  };
  const top = (key: (p: ProcessWindow) => number, free: number, shielded: number) => {
    const out: ProcessWindow[] = [];
    for (const p of [...live.processes].sort((a, b) => key(b) - key(a))) {
      if (key(p) <= 0 || (free <= 0 && shielded <= 0)) break;
      if (reasonOf(p) === null) { if (free-- > 0) out.push(p); } else if (shielded-- > 0) out.push(p);
    }
    return out;
  };
  for (const p of [...top((p) => p.cpuPct, 4, 2), ...top((p) => p.cpuDemandPct, 2, 1), ...top((p) => p.rssKb, 2, 1), ...top((p) => p.readBytesPerS + p.writeBytesPerS, 2, 1)]) {
    if (!wanted.has(p.pid)) wanted.set(p.pid, []);
  }
  // A process is observed as its workload (agent/proc/workload.ts): the numbers are
  // the workload's sums, the pid is its busiest member, and actions take them all.
  const groups = groupWorkloads(live.processes);
  const byLeader = new Map<number, { members: ProcessWindow[]; signalIds: number[] }>();
  for (const [pid, ids] of wanted) {
    const members = groups.get(pid) ?? [byPid.get(pid)!];
    const g = byLeader.get(members[0]!.pid) ?? { members, signalIds: [] };
    g.signalIds.push(...ids);
    byLeader.set(members[0]!.pid, g);
  }
  const sum = (ms: readonly ProcessWindow[], f: (p: ProcessWindow) => number) => ms.reduce((a, p) => a + f(p), 0);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const chosen = [...byLeader.values()].sort((a, b) => sum(b.members, (p) => p.cpuPct) - sum(a.members, (p) => p.cpuPct)).slice(0, o.maxTargets);
  const targets: ObservedTarget[] = chosen.map(({ members, signalIds }, i) => {
    const p = members[0]!;
    const rssKb = sum(members, (m) => m.rssKb);
    return {
      ref: `t${i + 1}`, pid: p.pid, startTime: p.startTime, comm: p.comm,
      members: members.map((m) => ({ pid: m.pid, startTime: m.startTime })),
      cpuPct: r1(sum(members, (m) => m.cpuPct)), cpuDemandPct: r1(sum(members, (m) => m.cpuDemandPct)), rssKb, memPct: memKb ? Math.round((1000 * rssKb) / memKb) / 10 : 0,
      nice: Math.min(...members.map((m) => m.nice)), state: p.state, threads: sum(members, (m) => m.threads),
      ioBytesPerS: Math.round(sum(members, (m) => m.readBytesPerS + m.writeBytesPerS)),
      readBytesPerS: Math.round(sum(members, (m) => m.readBytesPerS)), writeBytesPerS: Math.round(sum(members, (m) => m.writeBytesPerS)),
      protectedReason: members.map(reasonOf).find((r) => r !== null) ?? null,
      disks: workloadDisks(members.map((m) => m.pid)), autogroup: autogroupOf(p.pid),
      signalIds: [...new Set(signalIds)],
    };
  });
  return { system: live.system, targets };
}
