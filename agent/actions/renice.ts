// lower_process_priority: raise a process's nice value (lower its CPU priority).
// Only upward: a lower nice would take CPU from everything else. Nice is per
// thread on Linux, so every thread is set, and each thread's prior value kept.
import os from 'node:os';
import { niceWeight, r1 } from './estimate.js';
import { judgeCpu } from './judge.js';
import { asProcess, MAX_THREADS, TARGET_PARAM } from './process-target.js';
import type { ActionHandler, Params, PriorState } from './types.js';
import { listTids, readPidStat } from '../../lib/procfs/pid.js';

function readThreadNice(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of listTids(pid).slice(0, MAX_THREADS)) {
    try { out[tid] = os.getPriority(tid); } catch { /* thread exited */ }
  }
  return out;
}

export const renice: ActionHandler = {
  spec: {
    name: 'lower_process_priority',
    description: 'Raise the nice value of a process (lower its CPU priority) so competing work runs first. Only ever lowers priority.',
    risk: 'low',
    needsApproval: false,
    reversible: true,
    targetKind: 'process',
    params: {
      target: TARGET_PARAM,
      nice: { kind: 'int', min: 1, max: 19, description: 'new nice value; must be higher than the current one' },
    },
  },
  async readPrior(t) {
    const p = asProcess(t);
    return { nice: readPidStat(p.pid)?.nice ?? null, threads: readThreadNice(p.pid) };
  },
  check(_t, params, prior) {
    const cur = prior.nice as number | null;
    if (cur === null) return { rule: 'target_gone', detail: 'could not read the current nice value' };
    if (Number(params.nice) <= cur) return { rule: 'not_lowering', detail: `nice ${params.nice} is not above the current ${cur}` };
    return null;
  },
  describe(t, params) {
    const p = asProcess(t);
    return `setpriority(PRIO_PROCESS, tid, ${params.nice}) for each thread of pid ${p.pid}`;
  },
  async apply(t, params) {
    const p = asProcess(t);
    const tids = listTids(p.pid).slice(0, MAX_THREADS);
    os.setPriority(p.pid, Number(params.nice)); // the main thread must succeed
    for (const tid of tids) {
      try { if (tid !== p.pid) os.setPriority(tid, Number(params.nice)); } catch { /* thread exited */ }
    }
  },
  async rollback(t, _params, prior) {
    const p = asProcess(t);
    const base = prior.nice as number;
    const threads = (prior.threads ?? {}) as Record<string, number>;
    os.setPriority(p.pid, base);
    for (const tid of listTids(p.pid).slice(0, MAX_THREADS)) {
      // Threads born after the action inherited our value: give them the process's prior one.
      try { if (tid !== p.pid) os.setPriority(tid, threads[tid] ?? base); } catch { /* thread exited */ }
    }
  },
  async isApplied(t, params: Params, _prior: PriorState) {
    return readPidStat(asProcess(t).pid)?.nice === Number(params.nice);
  },
  judge: (before, after, t) => judgeCpu(before, after, t),
  estimate({ params, target: t, system }) {
    if (!t) return null;
    const contended = (system.cpuStallPct ?? 0) > 5 || system.busyPct > 90;
    const share = niceWeight(Number(params.nice)) / (niceWeight(Number(params.nice)) + niceWeight(0));
    const to = contended ? Math.min(t.cpuPct, r1(100 * share)) : t.cpuPct;
    return { metric: `${t.ref}.cpu_pct_when_contended`, from: t.cpuPct, to,
      expectedEffect: contended
        ? `other runnable work is waiting (cpu stall ${r1(system.cpuStallPct ?? 0)}%): ${t.ref} should drop from ${t.cpuPct}% toward ~${to}% of a contended cpu, others gain up to ${r1(t.cpuPct - to)}%`
        : `nobody is waiting for cpu now: no measurable change expected until competition appears; ${t.ref} then yields to it` };
  },
};
