// Parsers for /proc/<pid>/stat and friends: the agent's view of a process is read
// straight from the kernel, never from a name someone typed.
import fs from 'node:fs';

/** USER_HZ: fixed at 100 on every Linux ABI Node runs on (times(2), /proc stat fields). */
export const CLK_TCK = 100;
const PF_KTHREAD = 0x00200000;

export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  readonly flags: number;
  /** utime + stime, clock ticks. */
  readonly cpuTicks: number;
  readonly nice: number;
  readonly threads: number;
  /** Field 22: clock ticks after boot; with pid, the identity of a process. */
  readonly startTime: number;
  readonly rssPages: number;
  readonly isKernelThread: boolean;
}

export function parseStat(pid: number, text: string): ProcStat | null {
  // comm may contain spaces and ')' itself: it ends at the LAST ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const f = text.slice(close + 2).trim().split(' ');
  // f[0] is field 3 (state); field n is f[n - 3].
  const num = (n: number) => Number(f[n - 3]);
  const flags = num(9);
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: f[0] ?? '?',
    ppid: num(4),
    flags,
    cpuTicks: num(14) + num(15),
    nice: num(19),
    threads: num(20),
    startTime: num(22),
    rssPages: num(24),
    isKernelThread: (flags & PF_KTHREAD) !== 0 || pid === 2 || num(4) === 2,
  };
}

export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(pid, fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // gone (ENOENT/ESRCH): the caller decides what that means
  }
}

export interface ProcIo { readonly readBytes: number; readonly writeBytes: number }

export function readIo(pid: number): ProcIo | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
    const get = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    return { readBytes: get('read_bytes'), writeBytes: get('write_bytes') };
  } catch {
    return null;
  }
}

/** NUL-separated argv; empty for kernel threads and zombies. */
export function readCmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

/** CPUs the process may run on (Cpus_allowed_list of /proc/<pid>/status), or null when gone. */
export function cpusAllowed(pid: number): number[] | null {
  let text: string;
  try { text = fs.readFileSync(`/proc/${pid}/status`, 'utf8'); } catch { return null; }
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(text)?.[1];
  if (!list) return null;
  const out: number[] = [];
  for (const part of list.split(',')) {
    const [lo, hi = lo] = part.split('-').map(Number);
    for (let c = lo!; c <= hi!; c++) out.push(c);
  }
  return out;
}

export function listPids(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

/** Seconds since boot, to turn a start time into an age. */
export function uptimeS(): number {
  return Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}
