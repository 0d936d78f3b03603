// The one way a workload is moved into a cgroup of ours to change its share of a
// resource (CPU weight, I/O bandwidth): a child of the cgroup it is in, in that
// controller's hierarchy, so every limit above it still applies. The prior state
// records where each member was and the child's path; undo moves everything in
// the child (threads, children forked meanwhile) back and removes the child.
// cgroup v1 only: on v2 a child beside processes cannot use a controller (no
// internal processes), so moving part of a cgroup would mean moving all of it.
import fs from 'node:fs';
import path from 'node:path';
import { cgroupDir, childGroup, emptyAndRemove, isThrottleChild, moveAllThreads, processCgroup, threadCgroups, type CpuCgroup } from './cgroup.js';
import { asProcess, liveMembers, membersOf, pidList } from './process-target.js';
import type { PriorState, Refusal, Target } from './types.js';

export interface ChildPlan {
  readonly version: 'v1' | 'v2' | null;
  readonly mount: string | null;
  readonly v1Name: string | null;
  /** The cgroup every member is in before the change. */
  readonly home: string | null;
  readonly child: string | null;
  readonly members: ReadonlyArray<{ pid: number; startTime: number }>;
  readonly blocked: Refusal | null;
}

export function planChild(t: Target, cg: CpuCgroup | null, prefix: string, controller: string): ChildPlan {
  const p = asProcess(t);
  const members = liveMembers(membersOf(t));
  const base = { version: cg?.version ?? null, mount: cg?.mount ?? null, v1Name: cg?.v1Name ?? null, home: null, child: null, members };
  if (!cg) return { ...base, blocked: { rule: 'mechanism_not_applicable', detail: `no cgroup hierarchy with the ${controller} controller is mounted` } };
  if (cg.version === 'v2') return { ...base, blocked: { rule: 'mechanism_not_applicable', detail: `cgroup v2: a child cgroup beside the workload's siblings cannot use ${controller} (no internal processes); limit the workload's own unit instead` } };
  const home = processCgroup(p.pid, cg);
  if (home === null) return { ...base, blocked: { rule: 'target_gone', detail: 'could not read /proc/<pid>/cgroup' } };
  if (isThrottleChild(home)) return { ...base, home, blocked: { rule: 'already_applied', detail: `already in ${home}` } };
  for (const m of members) {
    for (const [tid, where] of threadCgroups(m.pid, cg)) {
      if (where !== null && where !== home) return { ...base, home, blocked: { rule: 'threads_split', detail: `thread ${tid} of pid ${m.pid} is in ${where}, not ${home}` } };
    }
  }
  return { ...base, home, child: childGroup(home, p.pid, p.startTime, prefix), blocked: null };
}

export const childOf = (prior: PriorState): ChildPlan => prior as unknown as ChildPlan;
const hierarchy = (pl: ChildPlan): CpuCgroup => ({ version: pl.version as 'v1', mount: String(pl.mount), v1Name: pl.v1Name ?? undefined });

/** Writes into the child's files, in order; a file may take several (blkio rules: one per write). */
export type Writes = ReadonlyArray<readonly [file: string, value: string]>;

export function describeChild(pl: ChildPlan, files: Writes): string {
  if (pl.blocked || !pl.child) return `nothing: ${pl.blocked?.detail ?? 'no plan'}`;
  const dir = path.join(String(pl.mount), pl.child);
  return `mkdir ${dir}; ${files.map(([f, v]) => `write "${v}" to ${f}`).join('; ')} there; move every thread of pids ${pidList(pl.members)} into it`;
}

export async function applyChild(pl: ChildPlan, files: Writes): Promise<void> {
  if (pl.blocked || !pl.child || !pl.home) throw new Error(`no way to apply: ${pl.blocked?.detail ?? 'no plan'}`);
  const cg = hierarchy(pl);
  const dir = cgroupDir(cg, pl.child);
  fs.mkdirSync(dir);
  try {
    for (const [f, v] of files) fs.writeFileSync(path.join(dir, f), v);
    for (const m of liveMembers(pl.members)) moveAllThreads(cg, m.pid, pl.child);
  } catch (e) {
    await emptyAndRemove(cg, pl.child, pl.home).catch(() => undefined);
    throw e;
  }
}

export async function restoreChild(pl: ChildPlan): Promise<void> {
  if (pl.child && pl.home && pl.version) await emptyAndRemove(hierarchy(pl), pl.child, pl.home);
}

/** In effect: the leader is in our child and each value we wrote is a line of its file. */
export function childApplied(t: Target, pl: ChildPlan, files: Writes): boolean {
  if (!pl.child || !pl.version) return false;
  const cg = hierarchy(pl);
  if (processCgroup(asProcess(t).pid, cg) !== pl.child) return false;
  return files.every(([f, v]) => {
    try { return fs.readFileSync(path.join(cgroupDir(cg, pl.child!), f), 'utf8').split('\n').map((l) => l.trim()).includes(v); } catch { return false; }
  });
}
