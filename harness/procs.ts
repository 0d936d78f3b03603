// What the end-to-end checks read from /proc: every process's nice and I/O
// priority (to prove the agent touched nothing but the workload), and the CPU time
// and memory of a process tree (the system's own footprint).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { CLK_TCK, readCmdline, readPidStat } from '../lib/procfs/pid.js';
import { descendants, listProcesses } from '../lib/procfs/tree.js';

export interface ProcEntry { pid: number; start: number; comm: string; nice: number; ioprio: number | null }
export type Snapshot = Map<string, ProcEntry>;

/** ioprio_get(IOPRIO_WHO_PROCESS) for many pids in one go; Node has no binding for it. */
const IOPRIO_PY = `
import ctypes, json, sys
libc = ctypes.CDLL(None, use_errno=True)
out = {}
for pid in json.load(sys.stdin):
    v = libc.syscall(252, 1, pid)  # SYS_ioprio_get on x86_64, IOPRIO_WHO_PROCESS
    if v >= 0: out[pid] = v
json.dump(out, sys.stdout)`;

export function ioprios(pids: readonly number[]): Map<number, number> {
  if (process.arch !== 'x64') return new Map(); // the syscall number above is x86_64's
  const out = execFileSync('python3', ['-c', IOPRIO_PY], { input: JSON.stringify(pids), encoding: 'utf8' });
  return new Map(Object.entries(JSON.parse(out) as Record<string, number>).map(([k, v]) => [Number(k), v]));
}

/** nice and I/O priority of every live user process, keyed by pid:start_time. */
export function snapshot(): Snapshot {
  const stats = listProcesses().filter((s) => s.state !== 'Z' && !s.isKernelThread);
  const io = ioprios(stats.map((s) => s.pid));
  return new Map(stats.map((s) => [`${s.pid}:${s.startTime}`, { pid: s.pid, start: s.startTime, comm: s.comm, nice: s.nice, ioprio: io.get(s.pid) ?? null }]));
}

/** Our own ancestors: the test runner chain. */
function ancestors(): Set<number> {
  const out = new Set<number>();
  for (let p = process.pid; p > 1 && !out.has(p); p = readPidStat(p)?.ppid ?? 0) out.add(p);
  return out;
}

/**
 * Processes belonging to OTHER test runs on this shared machine (descendants of a
 * `node --test` process that is not one of our ancestors): their own tests renice
 * their own workloads, which says nothing about our agent.
 */
export function otherTestRuns(): Set<number> {
  const mine = ancestors();
  const all = listProcesses();
  const runners = all.filter((p) => !mine.has(p.pid) && /\bnode\b.*\s--test\b/.test(readCmdline(p.pid).join(' ')));
  return new Set(runners.flatMap((r) => [r.pid, ...descendants(r.pid, all).map((d) => d.pid)]));
}

export interface Change { pid: number; comm: string; what: string }

/** Processes alive in both snapshots whose nice or I/O priority changed, except `allowed` pids. */
export function changes(before: Snapshot, after: Snapshot, allowed: ReadonlySet<number>, ignore: ReadonlySet<number> = new Set()): Change[] {
  const out: Change[] = [];
  for (const [key, b] of before) {
    const a = after.get(key);
    if (!a || allowed.has(b.pid) || ignore.has(b.pid)) continue;
    if (a.nice !== b.nice) out.push({ pid: b.pid, comm: b.comm, what: `nice ${b.nice} -> ${a.nice}` });
    if (a.ioprio !== null && b.ioprio !== null && a.ioprio !== b.ioprio) out.push({ pid: b.pid, comm: b.comm, what: `ioprio ${b.ioprio} -> ${a.ioprio}` });
  }
  return out;
}

/** IOPRIO value -> "best-effort/7" as ionice prints it. */
export function ioprioText(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'unknown';
  const cls = ['none', 'realtime', 'best-effort', 'idle'][v >> 13] ?? `class${v >> 13}`;
  return `${cls}/${v & 0x1fff}`;
}

export interface TreeSample {
  atMs: number;
  ticks: Map<string, number>;
  /** Summed RSS: shared pages (the node binary's text) count once per process. */
  rssKb: number;
  /** Summed PSS: shared pages split between the processes sharing them. */
  pssKb: number;
  pids: number;
  /** pid:start → what it is (script or binary name), its RSS and PSS. */
  procs: Map<string, { name: string; rssKb: number; pssKb: number }>;
}

/** RSS and PSS from smaps_rollup (the same file for both), zeros when unreadable. */
function memoryKbOf(pid: number): { rss: number; pss: number } {
  try {
    const t = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return { rss: Number(/^Rss:\s+(\d+)/m.exec(t)?.[1] ?? 0), pss: Number(/^Pss:\s+(\d+)/m.exec(t)?.[1] ?? 0) };
  } catch { return { rss: 0, pss: 0 }; }
}

/** "ingest/main.js" for a node script, the binary's name otherwise. */
function processName(pid: number, comm: string): string {
  const argv = readCmdline(pid);
  const script = argv.slice(1).find((a) => a.endsWith('.js'));
  return script ? script.split('/').slice(-2).join('/') : ((argv[0] ?? '').split('/').pop() || comm);
}

/** CPU ticks (utime+stime, all threads, and reaped children's) per process and summed RSS/PSS (smaps_rollup) of root and its descendants. */
export function sampleTree(root: number): TreeSample {
  const ticks = new Map<string, number>();
  const procs = new Map<string, { name: string; rssKb: number; pssKb: number }>();
  let rssKb = 0;
  let pssKb = 0;
  for (const pid of [root, ...descendants(root).map((d) => d.pid)]) {
    const s = readPidStat(pid);
    if (!s) continue;
    const key = `${pid}:${s.startTime}`;
    // Children that ran and were reaped in between count too (cutime/cstime):
    // a short-lived helper's CPU is still the system's.
    ticks.set(key, s.cpuTicks + s.childTicks);
    const mem = memoryKbOf(pid);
    rssKb += mem.rss;
    pssKb += mem.pss;
    procs.set(key, { name: processName(pid, s.comm), rssKb: mem.rss, pssKb: mem.pss });
  }
  return { atMs: Date.now(), ticks, rssKb, pssKb, pids: ticks.size, procs };
}

/** % of one CPU the tree used between two samples (a process born in between counts whole). */
export function treeCpuPct(a: TreeSample, b: TreeSample): number {
  let dt = 0;
  for (const [k, t] of b.ticks) dt += t - (a.ticks.get(k) ?? 0);
  return (100 * (dt / CLK_TCK)) / ((b.atMs - a.atMs) / 1000);
}

/** fdinfo of each eBPF program these processes hold open (fds on anon_inode:bpf-prog), by program id. */
function progFdInfos(pids: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
        const info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
        const id = /^prog_id:\s*(\d+)/m.exec(info)?.[1];
        if (id) out.set(Number(id), info);
      } catch { /* closed meanwhile */ }
    }
  }
  return out;
}

export interface BpfProgStat { id: number; name: string; runTimeNs: number; runCnt: number }

/**
 * Each program's run time and run count as `bpftool prog show` reports them
 * (counted only while kernel.bpf_stats_enabled is 1), for the programs these
 * processes hold.
 */
export function bpfProgStats(pids: readonly number[]): BpfProgStat[] {
  const ids = progFdInfos(pids);
  if (ids.size === 0) return [];
  const all = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as
    { id: number; name?: string; run_time_ns?: number; run_cnt?: number }[];
  return all.filter((p) => ids.has(p.id)).map((p) => ({ id: p.id, name: p.name ?? `prog${p.id}`, runTimeNs: p.run_time_ns ?? 0, runCnt: p.run_cnt ?? 0 }));
}

/**
 * Nanoseconds the eBPF programs held by these processes have run (fdinfo
 * run_time_ns, counted only while kernel.bpf_stats_enabled is 1). That time is
 * spent in the traced tasks, so /proc never charges it to the tracers.
 */
export function bpfRunNs(pids: readonly number[]): number {
  let ns = 0;
  for (const info of progFdInfos(pids).values()) ns += Number(/^run_time_ns:\s*(\d+)/m.exec(info)?.[1] ?? 0);
  return ns;
}

const STATS = '/proc/sys/kernel/bpf_stats_enabled';

/** Turn eBPF run-time accounting on; returns how to put the previous setting back. */
export function enableBpfStats(): () => void {
  let prev: string;
  try { prev = fs.readFileSync(STATS, 'utf8').trim(); } catch { return () => undefined; }
  if (prev === '1') return () => undefined;
  try { fs.writeFileSync(STATS, '1'); } catch { return () => undefined; }
  return () => { try { fs.writeFileSync(STATS, prev); } catch { /* leave it */ } };
}

export function bpfStatsEnabled(): boolean {
  try { return fs.readFileSync(STATS, 'utf8').trim() === '1'; } catch { return false; }
}
