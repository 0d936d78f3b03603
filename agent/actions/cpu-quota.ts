// throttle_cpu: cap a process's CPU time with a cgroup quota (v2 cpu.max or v1
// cpu.cfs_quota_us) without taking it out of any cgroup that limits it.
// - Alone in its own cgroup (or the cgroup is one the operator allowed): the quota
//   goes on that cgroup, in place; the files' prior values are recorded and written
//   back exactly. On v2 the cpu controller may have to be enabled in the parents'
//   subtree_control: never at the root, and each one we enable is recorded and
//   disabled again.
// - Sharing it (v1 only): the process, every thread of it, moves into a child of its
//   own cpu cgroup, so every limit above still applies; only the cpu hierarchy is
//   touched. On the way back everything in the child (its threads, and any children
//   it forked meanwhile) returns, and the child is removed.
// - Sharing it on v2: refused. v2 forbids processes next to child cgroups that use
//   a controller, so a child would mean moving the others too.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listTids } from '../../lib/procfs/pid.js';
import {
  cgroupDir, childGroup, detectCpuCgroup, emptyAndRemove, isThrottleChild, moveAllThreads, processCgroup, readCgroupFile, readIds, threadCgroups, type CpuCgroup,
} from './cgroup.js';
import { r1 } from './estimate.js';
import { judgeCpu } from './judge.js';
import { asProcess, liveMembers, membersOf, TARGET_PARAM } from './process-target.js';
import type { ActionHandler, Params, PriorState, Refusal } from './types.js';

const PERIOD_US = 100_000;

/**
 * Cgroups (paths in the cpu hierarchy, e.g. "/system.slice/batch.service") the operator
 * allows to be limited as a whole even when the target shares them with other
 * processes (its unit or container). Empty: only a cgroup the target is alone in.
 */
export const OPERATOR_ALLOWED_SHARED_CGROUPS: string[] = [];

type Mode = 'own' | 'child';

interface Plan {
  readonly version: 'v1' | 'v2' | null;
  readonly mount: string | null;
  /** The target's cgroup in the cpu hierarchy before the change. */
  readonly cgroup: string | null;
  readonly mode: Mode | null;
  /** Child mode: the child of `cgroup` the process is moved into. */
  readonly child: string | null;
  /** Own mode: every cgroup file written, relative to the mount, and its value before (null: appears only once cpu is enabled). */
  readonly files: Record<string, string | null>;
  /** v2 own mode: cgroups (top-down) whose subtree_control gets "+cpu" from us. */
  readonly enabled: string[];
  readonly blocked: Refusal | null;
}

const quotaUs = (params: Params): number => Math.round((PERIOD_US * Number(params.quota_pct)) / 100);

function cgOf(prior: PriorState): CpuCgroup {
  return { version: prior.version as 'v1' | 'v2', mount: String(prior.mount) };
}

function planOf(prior: PriorState): Plan {
  return prior as unknown as Plan;
}

function readOr(file: string): string | null {
  try { return fs.readFileSync(file, 'utf8').trim(); } catch { return null; }
}

function hasCpuInSubtree(dir: string): boolean {
  return (readOr(path.join(dir, 'cgroup.subtree_control')) ?? '').split(/\s+/).includes('cpu');
}

function plan(pid: number, startTime: number, members: readonly number[] = [pid]): Plan {
  const cg = detectCpuCgroup();
  const none: Plan = { version: cg?.version ?? null, mount: cg?.mount ?? null, cgroup: null, mode: null, child: null, files: {}, enabled: [], blocked: null };
  if (!cg) return none;
  const own = processCgroup(pid, cg);
  if (own === null) return none;
  const base = { ...none, cgroup: own };
  if (isThrottleChild(own)) return base;
  for (const m of members) {
    for (const [tid, where] of threadCgroups(m, cg)) {
      if (where !== null && where !== own) return { ...base, blocked: { rule: 'threads_split', detail: `thread ${tid} of pid ${m} is in ${String(where)}, not ${own}` } };
    }
  }
  const dir = cgroupDir(cg, own);
  // Alone means alone in the whole subtree: a limit on this cgroup also caps every
  // process in the cgroups below it.
  const inGroup = readIds(dir, 'cgroup.procs');
  const alone = inGroup.length === members.length && inGroup.every((x) => members.includes(x)) && subtreeEmpty(dir);
  const allowed = OPERATOR_ALLOWED_SHARED_CGROUPS.includes(own);
  if (own !== '/' && (alone || allowed)) {
    if (cg.version === 'v1') {
      return { ...base, mode: 'own', files: {
        [path.posix.join(own, 'cpu.cfs_period_us')]: readCgroupFile(dir, 'cpu.cfs_period_us'),
        [path.posix.join(own, 'cpu.cfs_quota_us')]: readCgroupFile(dir, 'cpu.cfs_quota_us'),
      } };
    }
    // Enabling +cpu in a parent would put every sibling under cpu weighting too:
    // something outside the target. Only a parent that already delegates cpu will do.
    const enabled: string[] = [];
    const parent = path.posix.dirname(own);
    if (!hasCpuInSubtree(cgroupDir(cg, parent))) {
      return { ...base, blocked: { rule: 'cpu_not_delegated', detail: `${parent} does not delegate the cpu controller (cgroup.subtree_control); enabling it would change the CPU shares of every cgroup beside the target` } };
    }
    return { ...base, mode: 'own', enabled, files: { [path.posix.join(own, 'cpu.max')]: readOr(path.join(dir, 'cpu.max')) } };
  }
  if (cg.version === 'v1') return { ...base, mode: 'child', child: childGroup(own, pid, startTime) };
  return { ...base, blocked: { rule: 'cgroup_shared', detail: `${own} holds ${inGroup.length} processes; on cgroup v2 the target cannot be limited alone without moving the others (allow the cgroup in OPERATOR_ALLOWED_SHARED_CGROUPS to limit it whole)` } };
}

/** No process in any cgroup below dir. */
function subtreeEmpty(dir: string): boolean {
  let entries: fs.Dirent[];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return true; }
  return entries.filter((e) => e.isDirectory()).every((e) => {
    const sub = path.join(dir, e.name);
    return readIds(sub, 'cgroup.procs').length === 0 && subtreeEmpty(sub);
  });
}

/** The fraction of a CPU a cgroup's own files allow (Infinity: unlimited). */
function currentLimit(p: Plan): number {
  const vals = Object.entries(p.files);
  if (p.version === 'v1') {
    const period = Number(vals.find(([f]) => f.endsWith('cpu.cfs_period_us'))?.[1]);
    const quota = Number(vals.find(([f]) => f.endsWith('cpu.cfs_quota_us'))?.[1]);
    return quota > 0 && period > 0 ? quota / period : Infinity;
  }
  const [q, per] = (vals[0]?.[1] ?? 'max').split(/\s+/);
  return q === 'max' || q === undefined ? Infinity : Number(q) / Number(per ?? PERIOD_US);
}

function write(file: string, value: string): void {
  fs.writeFileSync(file, value);
}

/** The own-mode files as we leave them: v1 period and quota, or v2 cpu.max. */
function ourValues(p: Plan, quota: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of Object.keys(p.files)) {
    out[f] = f.endsWith('cpu.cfs_period_us') ? String(PERIOD_US) : f.endsWith('cpu.cfs_quota_us') ? String(quota) : `${quota} ${PERIOD_US}`;
  }
  return out;
}

function restoreOwn(cg: CpuCgroup, p: Plan): void {
  const errors: string[] = [];
  const tryWrite = (f: string, v: string) => { try { write(cgroupDir(cg, f), v); } catch (e) { errors.push(`${f}: ${(e as Error).message}`); } };
  const entries = Object.entries(p.files);
  if (cg.version === 'v1') {
    // Lift the quota first so the period can change whatever the hierarchy above allows.
    const quota = entries.find(([f]) => f.endsWith('cpu.cfs_quota_us'));
    const period = entries.find(([f]) => f.endsWith('cpu.cfs_period_us'));
    if (quota) tryWrite(quota[0], '-1');
    if (period?.[1] != null) tryWrite(period[0], period[1]);
    if (quota?.[1] != null) tryWrite(quota[0], quota[1]);
  } else {
    for (const [f, v] of entries) tryWrite(f, v ?? 'max');
  }
  for (const up of [...p.enabled].reverse()) tryWrite(path.posix.join(up, 'cgroup.subtree_control'), '-cpu');
  if (errors.length > 0) throw new Error(`could not restore ${errors.join('; ')}`);
}

function applyOwn(cg: CpuCgroup, p: Plan, quota: number): void {
  const done: string[] = [];
  try {
    for (const up of p.enabled) { write(cgroupDir(cg, path.posix.join(up, 'cgroup.subtree_control')), '+cpu'); done.push(up); }
    const ours = ourValues(p, quota);
    // v1: the period first, so the quota is read against the period it was meant for.
    for (const f of Object.keys(ours).sort((a, b) => Number(b.endsWith('period_us')) - Number(a.endsWith('period_us')))) write(cgroupDir(cg, f), ours[f]!);
  } catch (e) {
    try { restoreOwn(cg, { ...p, enabled: done }); } catch { /* report the first error */ }
    throw e;
  }
}

function ownApplied(cg: CpuCgroup, p: Plan, quota: number): boolean {
  const ours = ourValues(p, quota);
  return Object.entries(ours).every(([f, v]) => readOr(cgroupDir(cg, f)) === v);
}

export const cpuQuota: ActionHandler = {
  spec: {
    name: 'throttle_cpu',
    description: 'Cap the CPU time of a process with a cgroup quota, in percent of one CPU.',
    condition: 'a workload burning CPU others need, when a priority change is not enough',
    mechanism: 'CFS bandwidth control: cpu.cfs_quota_us (v1) / cpu.max (v2) on the cgroup that holds it; an absolute cap, independent of autogroup and scheduling groups',
    switchback: true,
    risk: 'medium',
    needsApproval: false,
    reversible: true,
    targetKind: 'process',
    params: {
      target: TARGET_PARAM,
      quota_pct: { kind: 'int', min: 10, max: 90, description: 'CPU quota in percent of one CPU' },
    },
  },
  async readPrior(t) {
    const p = asProcess(t);
    const members = liveMembers(membersOf(t));
    return { ...plan(p.pid, p.startTime, members.map((m) => m.pid)), members };
  },
  check(_t, params, prior) {
    const p = planOf(prior);
    if (!p.version) return { rule: 'no_cpu_cgroup', detail: 'no cgroup hierarchy with the cpu controller on this host' };
    if (p.cgroup === null) return { rule: 'target_gone', detail: 'could not read /proc/<pid>/cgroup' };
    if (isThrottleChild(p.cgroup)) return { rule: 'already_applied', detail: `already in ${p.cgroup}` };
    if (p.blocked) return p.blocked;
    const want = quotaUs(params) / PERIOD_US;
    if (p.mode === 'own' && currentLimit(p) <= want) {
      return { rule: 'already_limited', detail: `${p.cgroup} is already limited to ${r1(currentLimit(p) * 100)}% of a cpu (asked ${r1(want * 100)}%)` };
    }
    return null;
  },
  describe(t, params) {
    const pr = asProcess(t);
    const members = liveMembers(membersOf(t)).map((m) => m.pid);
    const p = plan(pr.pid, pr.startTime, members);
    const quota = quotaUs(params);
    if (!p.version || p.cgroup === null) return 'nothing: no cpu cgroup for the target';
    if (p.blocked) return `nothing: ${p.blocked.detail}`;
    const m = String(p.mount);
    if (p.mode === 'own') {
      const en = p.enabled.map((d) => `write "+cpu" to ${path.join(m, d, 'cgroup.subtree_control')}; `).join('');
      return `${en}${Object.entries(ourValues(p, quota)).map(([f, v]) => `write "${v}" to ${path.join(m, f)}`).join('; ')} (the target is ${OPERATOR_ALLOWED_SHARED_CGROUPS.includes(p.cgroup) ? 'in an operator-allowed cgroup' : 'alone in its cgroup'})`;
    }
    return `mkdir ${path.join(m, String(p.child))}; write "${PERIOD_US}" to cpu.cfs_period_us and "${quota}" to cpu.cfs_quota_us there; move every thread of pids ${members.join(',')} into it`;
  },
  async apply(t, params, prior) {
    const p = planOf(prior);
    const cg = cgOf(prior);
    const quota = quotaUs(params);
    if (p.mode === 'own') { applyOwn(cg, p, quota); return; }
    if (p.mode !== 'child' || !p.child) throw new Error(`no way to throttle: ${p.blocked?.detail ?? 'no plan'}`);
    const dir = cgroupDir(cg, p.child);
    fs.mkdirSync(dir);
    try {
      write(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      write(path.join(dir, 'cpu.cfs_quota_us'), String(quota));
      for (const m of liveMembers(membersOf(t, prior))) moveAllThreads(cg, m.pid, p.child);
    } catch (e) {
      await emptyAndRemove(cg, p.child, String(p.cgroup)).catch(() => undefined);
      throw e;
    }
  },
  async rollback(_t, _params, prior) {
    const p = planOf(prior);
    const cg = cgOf(prior);
    if (p.mode === 'own') restoreOwn(cg, p);
    else if (p.child) await emptyAndRemove(cg, p.child, String(p.cgroup));
  },
  async cleanup(_t, params, prior) {
    // The target is gone (or the change was overridden): put back what is still ours.
    const p = planOf(prior);
    if (!p.version || !p.mode) return;
    const cg = cgOf(prior);
    if (p.mode === 'own') { if (ownApplied(cg, p, quotaUs(params))) restoreOwn(cg, p); return; }
    if (p.child) await emptyAndRemove(cg, p.child, String(p.cgroup));
  },
  async isApplied(t, params, prior) {
    const p = planOf(prior);
    if (!p.version || !p.mode) return false;
    const cg = cgOf(prior);
    const quota = quotaUs(params);
    if (p.mode === 'own') return ownApplied(cg, p, quota);
    return processCgroup(asProcess(t).pid, cg) === p.child && readOr(path.join(cgroupDir(cg, String(p.child)), 'cpu.cfs_quota_us')) === String(quota);
  },
  judge: (before, after, t) => judgeCpu(before, after, t),
  estimate({ params, target: t, system, cpus }) {
    if (!t) return null;
    const q = Number(params.quota_pct);
    const freed = Math.max(0, t.cpuPct - q);
    const to = r1(Math.max(0, system.busyPct - freed / cpus));
    return { metric: 'system.busy_pct', from: r1(system.busyPct), to,
      expectedEffect: `${t.ref} capped at ${q}% of one cpu (now ${t.cpuPct}%): frees ~${r1(freed)}% of a cpu; system busy ${r1(system.busyPct)}% -> ~${to}% unless others take it` };
  },
};
