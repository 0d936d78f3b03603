// Finds the host's CPU controller: cgroup v2 with "cpu" enabled (cpu.max), or the
// v1 "cpu" hierarchy (cfs quota). Hybrid hosts mount both; whichever actually
// offers the cpu controller wins, v2 first. Also what a throttle needs to know
// about a process's place in that hierarchy: its cgroup, who else is in it, and
// where each of its threads is.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readMounts } from '../../lib/procfs/mounts.js';
import { listTids, readPidCgroup, readPidStat, type CgroupEntry } from '../../lib/procfs/pid.js';

export interface CpuCgroup {
  readonly version: 'v1' | 'v2';
  /** Mount point of the hierarchy holding the controller. */
  readonly mount: string;
  /** The controller's name in /proc/<pid>/cgroup on v1 ("cpu", "blkio"); absent: cpu. */
  readonly v1Name?: string;
}

/** The hierarchy offering a controller: v2 first ("cpu", "io"), else the v1 one ("cpu", "blkio"). */
export function detectController(v2Name: 'cpu' | 'io', v1Name: 'cpu' | 'blkio', mounts = '/proc/self/mounts'): CpuCgroup | null {
  const rows = readMounts(mounts);
  if (!rows) return null;
  for (const { mountPoint: dir, fstype } of rows) {
    if (fstype !== 'cgroup2') continue;
    try {
      if (fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes(v2Name)) return { version: 'v2', mount: dir };
    } catch { /* not readable */ }
  }
  for (const { mountPoint: dir, fstype, options } of rows) {
    if (fstype === 'cgroup' && options.includes(v1Name)) return { version: 'v1', mount: dir, v1Name };
  }
  return null;
}

export function detectCpuCgroup(mounts = '/proc/self/mounts'): CpuCgroup | null {
  return detectController('cpu', 'cpu', mounts);
}

function pick(entries: readonly CgroupEntry[] | null, cg: CpuCgroup): string | null {
  for (const e of entries ?? []) {
    if (cg.version === 'v2' && e.hierarchy === 0 && e.controllers.length === 0) return e.path;
    if (cg.version === 'v1' && e.controllers.includes(cg.v1Name ?? 'cpu')) return e.path;
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
export function childGroup(own: string, pid: number, startTime: number, prefix = THROTTLE_CHILD_PREFIX): string {
  return path.posix.join(own, `${prefix}${pid}-${startTime}`);
}

/** A child cgroup one of our actions made (ks-throttle-, ks-weight-, ks-io-). */
export function isThrottleChild(rel: string): boolean {
  return /^ks-(throttle|weight|io)-/.test(path.posix.basename(rel));
}

const write = (file: string, value: string) => fs.writeFileSync(file, value);

/** Move every thread of `pid` into `to` (v1: cgroup.procs moves the thread group; tasks catches any that did not follow). */
export function moveAllThreads(cg: CpuCgroup, pid: number, to: string): void {
  const dir = cgroupDir(cg, to);
  write(path.join(dir, 'cgroup.procs'), String(pid));
  for (let pass = 0; pass < 3; pass++) {
    const outside = [...threadCgroups(pid, cg)].filter(([, where]) => where !== null && where !== to).map(([tid]) => tid);
    if (outside.length === 0) return;
    for (const tid of outside) {
      try { write(path.join(dir, cg.version === 'v1' ? 'tasks' : 'cgroup.threads'), String(tid)); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; }
    }
  }
  if (listTids(pid).length > 0 && [...threadCgroups(pid, cg)].some(([, w]) => w !== null && w !== to)) throw new Error(`threads of ${pid} did not all move to ${to}`);
}

/** Everything in the child (its threads, processes forked meanwhile) goes back to `home`; the child is removed. */
export async function emptyAndRemove(cg: CpuCgroup, child: string, home: string): Promise<void> {
  const dir = cgroupDir(cg, child);
  const homeDir = cgroupDir(cg, home);
  for (let attempt = 0; ; attempt++) {
    if (!fs.existsSync(dir)) return;
    const move = (file: 'cgroup.procs' | 'tasks', id: number) => {
      try { write(path.join(homeDir, file), String(id)); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; }
    };
    for (const p of readIds(dir, 'cgroup.procs')) move('cgroup.procs', p);
    for (const tid of readIds(dir, 'tasks')) move('tasks', tid);
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // EBUSY: something forked or was placed in it while we emptied it; go again.
      if (code !== 'EBUSY' || attempt >= 50) throw e;
      await sleep(20);
    }
  }
}

const CHILD_NAME = /^ks-(throttle|weight|io)-(\d+)-(\d+)$/;

/**
 * Remove child cgroups of ours that outlived what they were for: empty, no
 * children, and the process they were made for (pid and start time in the name)
 * gone. That happens when an agent is killed (SIGKILL, power loss) after a change
 * it kept and the workload exits later. Removing an empty cgroup changes nothing
 * for any process. Returns the directories removed.
 */
export function sweepOrphanChildren(hierarchies: ReadonlyArray<CpuCgroup | null>, maxDepth = 4): string[] {
  const removed: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const sub = path.join(dir, e.name);
      const m = CHILD_NAME.exec(e.name);
      if (!m) { if (depth < maxDepth) walk(sub, depth + 1); continue; }
      const alive = readPidStat(Number(m[2]))?.startTime === Number(m[3]);
      if (alive || readIds(sub, 'cgroup.procs').length > 0) continue;
      try { fs.rmdirSync(sub); removed.push(sub); } catch { /* busy or has children: not garbage */ }
    }
  };
  for (const h of new Map(hierarchies.filter((x): x is CpuCgroup => x !== null).map((h) => [h.mount, h])).values()) walk(h.mount, 0);
  return removed;
}
