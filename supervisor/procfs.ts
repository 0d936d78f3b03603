// Reading /proc directly: we need start times (to tell a live process from a
// reused pid) and process groups (to find grandchildren whose parent is gone),
// neither of which `ps`-style helpers give us cheaply.
import fs from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  readonly start: number;
  readonly state: string;
}

/** Parse /proc/<pid>/stat; undefined when the process is gone. */
export function procInfo(pid: number): ProcInfo | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may itself contain ") ", so split after the last one.
  const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  return { pid, state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]), start: Number(rest[19]) };
}

/** Every process visible in /proc (zombies included). */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = procInfo(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** Is (pid, start) still the same live process? */
export function isAlive(pid: number, start?: number): boolean {
  const info = procInfo(pid);
  if (!info || info.state === 'Z') return false;
  return start === undefined || info.start === start;
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): ProcInfo[] {
  return listProcesses().filter((p) => p.pgid === pgid && p.state !== 'Z');
}

/** All live descendants of pid (children, grandchildren, ...), by parent links. */
export function descendants(pid: number, all = listProcesses()): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of all) {
    const list = byParent.get(p.ppid) ?? [];
    list.push(p);
    byParent.set(p.ppid, list);
  }
  const out: ProcInfo[] = [];
  const todo = [pid];
  while (todo.length) {
    for (const c of byParent.get(todo.pop()!) ?? []) {
      if (c.state !== 'Z') out.push(c);
      todo.push(c.pid);
    }
  }
  return out;
}

/** The command line of a process as one string ('' when gone or a kernel thread). */
export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
