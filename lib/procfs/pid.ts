// /proc/<pid>/*: a process as the kernel describes it (stat, status, io, cmdline,
// cgroup, its links and threads), never as a name someone typed.
import fs from 'node:fs';
import path from 'node:path';
import { parseCpuList } from './cpulist.js';
import { readOptional, toNumber } from './text.js';

/** USER_HZ: fixed at 100 on every Linux ABI Node runs on (times(2), /proc stat fields). */
export const CLK_TCK = 100;
const PF_KTHREAD = 0x00200000;

export interface PidStat {
  readonly pid: number;
  readonly comm: string;
  /** R, S, D, Z, T... */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  /** Session id (field 6): our components are session leaders (spawned detached). */
  readonly sid: number;
  readonly flags: number;
  readonly majflt: number;
  /** Clock ticks (CLK_TCK per second). */
  readonly utime: number;
  readonly stime: number;
  /** utime + stime. */
  readonly cpuTicks: number;
  /** cutime + cstime: the CPU of children it has reaped. */
  readonly childTicks: number;
  readonly nice: number;
  readonly threads: number;
  /** Field 22: clock ticks after boot; with pid, the identity of a process. */
  readonly startTime: number;
  readonly rssPages: number;
  readonly isKernelThread: boolean;
}

/**
 * Parse /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat). comm is "(...)" and
 * may itself hold spaces and parentheses (a process can name itself "a) (b"), so
 * it runs to the LAST ')'. Throws on text that is not a stat line.
 */
export function parsePidStat(text: string): PidStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`pid stat: no "(comm)" in ${JSON.stringify(text.slice(0, 80))}`);
  const rest = text.slice(close + 1).trim().split(/\s+/);
  if (rest.length < 22) throw new Error(`pid stat: only ${rest.length + 2} fields`);
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const field = (n: number, name: string): number => toNumber(rest[n - 3], `pid stat ${name}`);
  const pid = toNumber(text.slice(0, open).trim(), 'pid stat pid');
  const ppid = field(4, 'ppid');
  const flags = field(9, 'flags');
  const utime = field(14, 'utime');
  const stime = field(15, 'stime');
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid,
    pgid: field(5, 'pgrp'),
    sid: field(6, 'session'),
    flags,
    majflt: field(12, 'majflt'),
    utime,
    stime,
    cpuTicks: utime + stime,
    childTicks: field(16, 'cutime') + field(17, 'cstime'),
    nice: field(19, 'nice'),
    threads: field(20, 'num_threads'),
    startTime: field(22, 'starttime'),
    rssPages: field(24, 'rss'),
    // kthreadd (pid 2) and its children, also on kernels where the flag is not visible.
    isKernelThread: (flags & PF_KTHREAD) !== 0 || pid === 2 || ppid === 2,
  };
}

/** null when the process is gone (ENOENT/ESRCH) or its stat cannot be parsed: the caller decides what that means. */
export function readPidStat(pid: number, root = '/proc'): PidStat | null {
  const text = readOptional(path.join(root, String(pid), 'stat'));
  try { return text === undefined ? null : parsePidStat(text); } catch { return null; }
}

export interface PidStatus {
  /** Real uid (stat does not carry it). */
  readonly uid: number;
  /** CPUs the process may run on (Cpus_allowed_list); null when not printed. */
  readonly cpusAllowed: number[] | null;
  /** Resident and peak resident set, kB; undefined for kernel threads and zombies. */
  readonly vmRssKb?: number;
  readonly vmHwmKb?: number;
  /** Effective capability set. */
  readonly capEff?: bigint;
}

/** Parse /proc/<pid>/status; throws without a Uid line (not a status file). */
export function parsePidStatus(text: string): PidStatus {
  const line = (k: string): string | undefined => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const uid = /^(\d+)/.exec(line('Uid') ?? '');
  if (!uid) throw new Error('pid status: no Uid line');
  const kb = (k: string): number | undefined => {
    const m = /^(\d+) kB$/.exec(line(k) ?? '');
    return m ? Number(m[1]) : undefined;
  };
  const cpus = line('Cpus_allowed_list');
  const cap = line('CapEff');
  return {
    uid: Number(uid[1]),
    cpusAllowed: cpus ? parseCpuList(cpus) : null,
    vmRssKb: kb('VmRSS'),
    vmHwmKb: kb('VmHWM'),
    capEff: cap && /^[0-9a-f]+$/.test(cap) ? BigInt(`0x${cap}`) : undefined,
  };
}

/** `pid` may be 'self'. null when gone or unparsable. */
export function readPidStatus(pid: number | 'self', root = '/proc'): PidStatus | null {
  const text = readOptional(path.join(root, String(pid), 'status'));
  try { return text === undefined ? null : parsePidStatus(text); } catch { return null; }
}

export interface PidIo { readonly readBytes: number; readonly writeBytes: number }

/** Parse /proc/<pid>/io: bytes that reached (or came from) the block layer. */
export function parsePidIo(text: string): PidIo {
  const get = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { readBytes: get('read_bytes'), writeBytes: get('write_bytes') };
}

/** null when gone or not ours to read (io needs ptrace access). */
export function readPidIo(pid: number, root = '/proc'): PidIo | null {
  const text = readOptional(path.join(root, String(pid), 'io'));
  return text === undefined ? null : parsePidIo(text);
}

/** NUL-separated argv; empty for kernel threads and zombies. */
export function parseCmdline(text: string): string[] {
  return text.split('\0').filter((s) => s.length > 0);
}

/** [] when gone. */
export function readCmdline(pid: number, root = '/proc'): string[] {
  return parseCmdline(readOptional(path.join(root, String(pid), 'cmdline')) ?? '');
}

export interface CgroupEntry {
  /** Hierarchy id; 0 is the cgroup v2 unified hierarchy. */
  readonly hierarchy: number;
  /** Controllers bound to the hierarchy (v1), empty for v2. */
  readonly controllers: string[];
  /** Path relative to the hierarchy's root. */
  readonly path: string;
}

/** Parse /proc/<pid>/cgroup ("id:controllers:path" per line). */
export function parsePidCgroup(text: string): CgroupEntry[] {
  const out: CgroupEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (m) out.push({ hierarchy: Number(m[1]), controllers: m[2] === '' ? [] : m[2].split(','), path: m[3] });
  }
  return out;
}

/** null when gone. */
export function readPidCgroup(pid: number, root = '/proc'): CgroupEntry[] | null {
  const text = readOptional(path.join(root, String(pid), 'cgroup'));
  return text === undefined ? null : parsePidCgroup(text);
}

/** Target of /proc/<pid>/exe or cwd; null when gone or not ours to read. */
export function readPidLink(pid: number, link: 'exe' | 'cwd', root = '/proc'): string | null {
  try { return fs.readlinkSync(path.join(root, String(pid), link)); } catch { return null; }
}

/** Every pid in the proc tree (zombies included). */
export function listPids(root = '/proc'): number[] {
  return fs.readdirSync(root).filter((d) => /^\d+$/.test(d)).map(Number);
}

/** Thread ids of a process (nice and I/O priority are per thread on Linux); [] when gone. */
export function listTids(pid: number, root = '/proc'): number[] {
  try {
    return fs.readdirSync(path.join(root, String(pid), 'task')).filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

/** Parse /proc/<pid>/task/<tid>/schedstat: time on CPU and waiting in the run queue, ns. */
export function parseSchedstat(text: string): { runNs: number; waitNs: number } {
  const [run = 0, wait = 0] = text.split(' ').map(Number);
  return { runNs: run, waitNs: wait };
}

/** null when the thread has exited. */
export function readSchedstat(pid: number, tid: number, root = '/proc'): { runNs: number; waitNs: number } | null {
  const text = readOptional(path.join(root, String(pid), 'task', String(tid), 'schedstat'));
  return text === undefined ? null : parseSchedstat(text);
}
