// Finds the host's CPU controller: cgroup v2 with "cpu" enabled (cpu.max), or the
// v1 "cpu" hierarchy (cfs quota). Hybrid hosts mount both; whichever actually
// offers the cpu controller wins, v2 first.
import fs from 'node:fs';
import path from 'node:path';
import { readMounts } from '../../lib/procfs/mounts.js';
import { readPidCgroup } from '../../lib/procfs/pid.js';

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

/** The process's cgroup path (relative to the hierarchy's root) in the hierarchy holding cpu. */
export function processCgroup(pid: number, cg: CpuCgroup): string | null {
  for (const e of readPidCgroup(pid) ?? []) {
    if (cg.version === 'v2' && e.hierarchy === 0 && e.controllers.length === 0) return e.path;
    if (cg.version === 'v1' && e.controllers.includes('cpu')) return e.path;
  }
  return null;
}

/** Our parent group; each throttled process gets its own child named after its identity. */
export const KS_GROUP = 'kernelsight';

export function ourGroup(pid: number, startTime: number): string {
  return `/${KS_GROUP}/throttle-${pid}-${startTime}`;
}
