// The process table from /proc/<pid>/stat: liveness by (pid, start time), process
// groups (to find grandchildren whose parent is gone) and descendants by parent links.
import { listPids, readPidStat, type PidStat } from './pid.js';

/** Every process visible in /proc (zombies included). */
export function listProcesses(root = '/proc'): PidStat[] {
  const out: PidStat[] = [];
  for (const pid of listPids(root)) {
    const stat = readPidStat(pid, root);
    if (stat) out.push(stat);
  }
  return out;
}

/** Is (pid, startTime) still the same live process? Without startTime: is pid alive at all? */
export function isAlive(pid: number, startTime?: number): boolean {
  const stat = readPidStat(pid);
  if (!stat || stat.state === 'Z') return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): PidStat[] {
  return listProcesses().filter((p) => p.pgid === pgid && p.state !== 'Z');
}

/** All live descendants of pid (children, grandchildren, ...), by parent links. */
export function descendants(pid: number, all: readonly PidStat[] = listProcesses()): PidStat[] {
  const byParent = new Map<number, PidStat[]>();
  for (const p of all) {
    const list = byParent.get(p.ppid) ?? [];
    list.push(p);
    byParent.set(p.ppid, list);
  }
  const out: PidStat[] = [];
  const todo = [pid];
  while (todo.length) {
    for (const c of byParent.get(todo.pop()!) ?? []) {
      if (c.state !== 'Z') out.push(c);
      todo.push(c.pid);
    }
  }
  return out;
}
