// Finds the host's CPU controller: cgroup v2 with "cpu" enabled (cpu.max), or the
// v1 "cpu" hierarchy (cfs quota). Hybrid hosts mount both; whichever actually
// offers the cpu controller wins, v2 first. Also what a throttle needs to know
// about a process's place in that hierarchy: its cgroup, who else is in it, and
// where each of its threads is.
import fs from 'node:fs';
import path from 'node:path';
import { readMounts } from '../../lib/procfs/mounts.js';
import { listTids, readPidCgroup, type CgroupEntry } from '../../lib/procfs/pid.js';

export interface CpuCgroup {
  readonly version: 'v1' | 'v2';
  /** Mount point of the hierarchy holding the cpu controller. */
  readonly mount: string;
}

export function detectCpuCgroup(mounts = '/proc/self/mounts'): CpuCgroup | null {
  const rows = readMounts(mounts);
  if (!rows) return null;
  for (const { mountPoint: dir, fstype } of rows) {
    if (fstype !== 'cgroup2') continue;
    try {
      if (fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) return { version: 'v2', mount: dir };
    } catch { /* not readable */ }
  }
  for (const { mountPoint: dir, fstype, options } of rows) {
    if (fstype === 'cgroup' && options.includes('cpu')) return { version: 'v1', mount: dir };
  }
  return null;
}

function pick(entries: readonly CgroupEntry[] | null, cg: CpuCgroup): string | null {
  for (const e of entries ?? []) {
    if (cg.version === 'v2' && e.hierarchy === 0 && e.controllers.length === 0) return e.path;
    if (cg.version === 'v1' && e.controllers.includes('cpu')) return e.path;
  }
  return null;
}

/** The process's cgroup path (relative to the hierarchy's root) in the hierarchy holding cpu. */
export function processCgroup(pid: number, cg: CpuCgroup): string | null {
  return pick(readPidCgroup(pid), cg);
}

/** The cgroup of each thread of `pid` (v1 lets threads of one process sit in different cgroups). */
export function threadCgroups(pid: number, cg: CpuCgroup): Map<number, string | null> {
  const out = new Map<number, string | null>();
  for (const tid of listTids(pid)) out.set(tid, pick(readPidCgroup(tid, path.join('/proc', String(pid), 'task')), cg));
  return out;
}

/** Absolute directory of a cgroup path in the hierarchy. */
export function cgroupDir(cg: CpuCgroup, rel: string): string {
  return path.join(cg.mount, rel);
}

/** Ids listed in a cgroup's cgroup.procs / cgroup.threads / tasks; [] when the cgroup is gone. */
export function readIds(dir: string, file: 'cgroup.procs' | 'cgroup.threads' | 'tasks'): number[] {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8').split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export function readCgroupFile(dir: string, file: string): string {
  return fs.readFileSync(path.join(dir, file), 'utf8').trim();
}

/** Prefix of the child cgroup a throttled process is moved into when it shares its own. */
export const THROTTLE_CHILD_PREFIX = 'ks-throttle-';

/** The child of the process's own cgroup it goes into when it cannot be limited in place. */
export function childGroup(own: string, pid: number, startTime: number): string {
  return path.posix.join(own, `${THROTTLE_CHILD_PREFIX}${pid}-${startTime}`);
}

export function isThrottleChild(rel: string): boolean {
  return path.posix.basename(rel).startsWith(THROTTLE_CHILD_PREFIX);
}
