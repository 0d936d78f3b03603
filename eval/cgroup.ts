// A capped memory cgroup for one scenario: v2 when a cgroup2 hierarchy offers the
// memory controller, else the v1 memory hierarchy. It is made inside the eval's
// own memory cgroup (v1) so the workloads stay under whatever limits the eval
// itself runs with, and it is removed after the scenario.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readMounts } from '../lib/procfs/mounts.js';
import { readPidCgroup } from '../lib/procfs/pid.js';

export interface MemoryCgroup {
  readonly version: 'v1' | 'v2';
  readonly dir: string;
  /** Write a pid here to move that process in. */
  readonly procs: string;
  readonly limitBytes: number;
  /** What the kernel counted: OOM kills in the cgroup, times it hit the limit, peak usage. */
  stats(): { oom_kills: number | null; limit_hits: number | null; peak_mb: number | null };
  /** SIGKILL anything still inside, then remove the directory. */
  remove(): Promise<void>;
}

const read = (f: string): string | null => { try { return fs.readFileSync(f, 'utf8'); } catch { return null; } };
const field = (text: string | null, key: string): number | null => {
  const m = text && new RegExp(`^${key}\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : null;
};
const mb = (s: string | null): number | null => (s === null ? null : Math.round(Number(s.trim()) / 1048576));

function hierarchy(): { version: 'v1' | 'v2'; parent: string } {
  const mounts = readMounts() ?? [];
  for (const m of mounts) {
    if (m.fstype !== 'cgroup2') continue;
    const ctl = read(path.join(m.mountPoint, 'cgroup.controllers'));
    // v2 children get a controller only through the parent's subtree_control, and
    // only a cgroup without processes of its own may delegate it: the root can.
    if (ctl?.split(/\s+/).includes('memory')) return { version: 'v2', parent: m.mountPoint };
  }
  const v1 = mounts.find((m) => m.fstype === 'cgroup' && m.options.includes('memory'));
  if (!v1) throw new Error('no memory cgroup controller mounted (neither cgroup2 with memory nor a v1 memory hierarchy)');
  const own = readPidCgroup(process.pid)?.find((e) => e.controllers.includes('memory'))?.path ?? '/';
  return { version: 'v1', parent: path.join(v1.mountPoint, own) };
}

export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup {
  const { version, parent } = hierarchy();
  const dir = path.join(parent, name);
  if (version === 'v2') {
    const sub = read(path.join(parent, 'cgroup.subtree_control')) ?? '';
    if (!sub.split(/\s+/).includes('memory')) fs.writeFileSync(path.join(parent, 'cgroup.subtree_control'), '+memory');
  }
  fs.mkdirSync(dir);
  try {
    fs.writeFileSync(path.join(dir, version === 'v2' ? 'memory.max' : 'memory.limit_in_bytes'), String(limitBytes));
  } catch (e) {
    fs.rmdirSync(dir);
    throw e;
  }
  const procs = path.join(dir, 'cgroup.procs');
  return {
    version, dir, procs, limitBytes,
    stats: () => (version === 'v2'
      ? { oom_kills: field(read(path.join(dir, 'memory.events')), 'oom_kill'), limit_hits: field(read(path.join(dir, 'memory.events')), 'max'), peak_mb: mb(read(path.join(dir, 'memory.peak'))) }
      : { oom_kills: field(read(path.join(dir, 'memory.oom_control')), 'oom_kill'), limit_hits: Number(read(path.join(dir, 'memory.failcnt')) ?? NaN), peak_mb: mb(read(path.join(dir, 'memory.max_usage_in_bytes'))) }),
    async remove() {
      if (!fs.existsSync(dir)) return;
      for (let i = 0; i < 50; i++) {
        const pids = (read(procs) ?? '').split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
        if (pids.length === 0) break;
        for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
        await sleep(100);
      }
      for (let i = 0; ; i++) {
        try { fs.rmdirSync(dir); return; } catch (e) {
          if (i >= 50 || (e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
          await sleep(100);
        }
      }
    },
  };
}
