// Finds the host's CPU controller: cgroup v2 with "cpu" enabled (cpu.max), or the
// v1 "cpu" hierarchy (cfs quota). Hybrid hosts mount both; whichever actually
// offers the cpu controller wins, v2 first.
import fs from 'node:fs';
import path from 'node:path';

export interface CpuCgroup {
  readonly version: 'v1' | 'v2';
  /** Mount point of the hierarchy holding the cpu controller. */
  readonly mount: string;
}

export function detectCpuCgroup(mounts = '/proc/self/mounts'): CpuCgroup | null {
  let text = '';
  try { text = fs.readFileSync(mounts, 'utf8'); } catch { return null; }
  const rows = text.split('\n').map((l) => l.split(' ')).filter((f) => f.length >= 4);
  for (const [, dir, type] of rows) {
    if (type !== 'cgroup2' || !dir) continue;
    try {
      if (fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) return { version: 'v2', mount: dir };
    } catch { /* not readable */ }
  }
  for (const [, dir, type, opts] of rows) {
    if (type === 'cgroup' && dir && opts?.split(',').includes('cpu')) return { version: 'v1', mount: dir };
  }
  return null;
}

/** The process's cgroup path (relative to the hierarchy's root) in the hierarchy holding cpu. */
export function processCgroup(pid: number, cg: CpuCgroup): string | null {
  let text = '';
  try { text = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'); } catch { return null; }
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (cg.version === 'v2' && m[1] === '0' && m[2] === '') return m[3]!;
    if (cg.version === 'v1' && m[2]!.split(',').includes('cpu')) return m[3]!;
  }
  return null;
}

/** Our parent group; each throttled process gets its own child named after its identity. */
export const KS_GROUP = 'kernelsight';

export function ourGroup(pid: number, startTime: number): string {
  return `/${KS_GROUP}/throttle-${pid}-${startTime}`;
}
