// lower_process_priority: raise a process's nice value (lower its CPU priority).
// Only upward: a lower nice would take CPU from everything else. Nice is per
// thread on Linux, so "only upward" holds per thread: a thread below the new
// value is raised to it, a thread already at or above it keeps its own, and
// undo puts back each thread's own prior value. It acts on every process of the
// workload. Nice only orders tasks that compete in one scheduling group: with
// autogroup on, tasks of other sessions are in other groups and a renice does not
// reach them (applies() says so; lower_cpu_weight is the mechanism then).
import os from 'node:os';
import { niceWeight, r1 } from './estimate.js';
import { judgeCpu } from './judge.js';
import { autogroupProblem } from './mechanism.js';
import { asProcess, liveMembers, memberTids, membersOf, pidList, TARGET_PARAM, tooManyThreads } from './process-target.js';
import type { ActionHandler, Params, PriorState } from './types.js';
import { readPidStat } from '../../lib/procfs/pid.js';

function niceOf(tid: number): number | null {
  try { return os.getPriority(tid); } catch { return null; } // thread exited
}

/** Every thread's nice value, by tid. */
function readThreadNice(tids: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of tids) {
    const n = niceOf(tid);
    if (n !== null) out[tid] = n;
  }
  return out;
}

const priorThreads = (prior: PriorState) => (prior.threads ?? {}) as Record<string, number>;

/** Threads the action raised: below the new value before it. */
function raised(prior: PriorState, nice: number): number[] {
  return Object.entries(priorThreads(prior)).filter(([, n]) => n < nice).map(([tid]) => Number(tid));
}

export const renice: ActionHandler = {
  spec: {
    name: 'lower_process_priority',
    description: 'Raise the nice value of a process (lower its CPU priority) so competing work runs first. Only ever lowers priority, thread by thread.',
    condition: 'a workload burning CPU that others in its scheduling group wait for',
    mechanism: 'CFS nice weights (setpriority per thread); they order tasks only within one scheduling group, so with autogroup on (and the target in the root cpu cgroup) they do not reach other sessions',
    risk: 'low',
    needsApproval: false,
    reversible: true,
    switchback: true,
    targetKind: 'process',
    params: {
      target: TARGET_PARAM,
      nice: { kind: 'int', min: 1, max: 19, description: 'new nice value; must be higher than the current one' },
    },
  },
  async readPrior(t) {
    const p = asProcess(t);
    const members = liveMembers(membersOf(t));
    return { nice: readPidStat(p.pid)?.nice ?? null, members, threads: readThreadNice(memberTids(members)) };
  },
  applies: (t) => autogroupProblem(asProcess(t).pid),
  check(_t, params, prior) {
    const cur = prior.nice as number | null;
    if (cur === null) return { rule: 'target_gone', detail: 'could not read the current nice value' };
    const too = tooManyThreads(Object.keys(priorThreads(prior)).length);
    if (too) return too;
    if (raised(prior, Number(params.nice)).length === 0) {
      return { rule: 'not_lowering', detail: `nice ${params.nice} is not above the current ${cur} of any thread` };
    }
    return null;
  },
  describe(t, params) {
    const members = membersOf(t);
    return `setpriority(PRIO_PROCESS, tid, ${params.nice}) for each thread whose nice is below ${params.nice} of pid${members.length > 1 ? 's' : ''} ${pidList(members)}`;
  },
  async apply(t, params, prior) {
    const p = asProcess(t);
    const nice = Number(params.nice);
    for (const tid of memberTids(membersOf(t, prior))) {
      const cur = niceOf(tid);
      if (cur === null || cur >= nice) continue; // only downward, per thread
      try { os.setPriority(tid, nice); } catch (e) { if (tid === p.pid) throw e; /* thread exited */ }
    }
  },
  async rollback(t, params, prior) {
    const p = asProcess(t);
    const nice = Number(params.nice);
    const threads = priorThreads(prior);
    const base = prior.nice as number;
    for (const tid of memberTids(membersOf(t, prior))) {
      // A thread born after the action inherited our value from its creator: give it the process's prior one.
      const was = threads[tid] ?? base;
      if (was >= nice) continue; // we never touched it
      if (niceOf(tid) !== nice) continue; // changed since by someone else: theirs now
      try { os.setPriority(tid, was); } catch (e) { if (tid === p.pid) throw e; }
    }
  },
  async isApplied(t, params: Params, prior: PriorState) {
    const nice = Number(params.nice);
    const pid = asProcess(t).pid;
    const ours = raised(prior, nice);
    // The main thread speaks for the process when we raised it (a target resetting its own nice undid us).
    if (ours.includes(pid)) return niceOf(pid) === nice;
    const live = new Set(memberTids(membersOf(t, prior)));
    return ours.some((tid) => live.has(tid) && niceOf(tid) === nice);
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
