// Measures processes and the system over a window: two readings of /proc, a pause
// between them, rates from the difference. OBSERVE uses it to find who is burning
// the CPU right now; EXECUTE and VERIFY use it for the before/after comparison.
import { setTimeout as sleep } from 'node:timers/promises';
import { CLK_TCK, listPids, listTids, readPidIo, readPidStat, readSchedstat, type PidStat } from '../../lib/procfs/pid.js';
import { diffSystem, readSystemCounters, type SystemWindow } from './system.js';

export interface ProcessWindow {
  readonly pid: number;
  readonly startTime: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  readonly nice: number;
  readonly threads: number;
  readonly rssKb: number;
  readonly isKernelThread: boolean;
  /** Percent of one CPU over the window. */
  readonly cpuPct: number;
  /**
   * Running plus waiting-to-run of its busy threads, percent of one CPU (schedstat):
   * what it wants, which a busy box may not give it. A starved hog shows ~100 here
   * and little in cpuPct.
   */
  readonly cpuDemandPct: number;
  readonly readBytesPerS: number;
  readonly writeBytesPerS: number;
}

export interface Sample {
  readonly system: SystemWindow;
  readonly processes: ProcessWindow[];
}

const PAGE_KB = 4;

interface Reading { stat: PidStat; read: number; write: number; sched: Map<number, number> }

const MAX_THREADS = 64;
/** A thread counts toward demand when it ran or waited this share of the window. */
const BUSY_THREAD = 0.2;

/** Per thread: run + run-queue wait, nanoseconds (/proc/<pid>/task/<tid>/schedstat). */
function schedNs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of listTids(pid).slice(0, MAX_THREADS)) {
    const s = readSchedstat(pid, tid);
    if (s) out.set(tid, s.runNs + s.waitNs); // else: the thread exited
  }
  return out;
}

/**
 * Demand of the busy threads only: an idle process has many threads that each wake
 * briefly and, on a loaded box, wait in the run queue; summing those would make it
 * look hungry. A thread that ran or waited for 20%+ of the window is really busy.
 */
function demandPct(a: Map<number, number>, b: Map<number, number>, seconds: number): number {
  let sum = 0;
  for (const [tid, ns] of b) {
    const share = (ns - (a.get(tid) ?? ns)) / 1e9 / seconds;
    if (share >= BUSY_THREAD) sum += share;
  }
  return 100 * sum;
}

function readOne(pid: number): Reading | null {
  const stat = readPidStat(pid);
  if (!stat) return null;
  const io = readPidIo(pid);
  return { stat, read: io?.readBytes ?? 0, write: io?.writeBytes ?? 0, sched: schedNs(pid) };
}

/**
 * Sample `pids` (or every process) for `ms` milliseconds. A pid whose start time
 * changed between the readings is a different process and is dropped.
 */
export async function sample(ms: number, pids?: readonly number[], signal?: AbortSignal): Promise<Sample> {
  const list = pids ?? listPids();
  const sys0 = readSystemCounters();
  const first = new Map<number, Reading>();
  for (const pid of list) {
    const r = readOne(pid);
    if (r) first.set(pid, r);
  }
  await sleep(ms, undefined, { signal });
  const sys1 = readSystemCounters();
  const system = diffSystem(sys0, sys1);
  const processes: ProcessWindow[] = [];
  for (const [pid, a] of first) {
    const b = readOne(pid);
    if (!b || b.stat.startTime !== a.stat.startTime) continue;
    const s = b.stat;
    processes.push({
      pid,
      startTime: s.startTime,
      comm: s.comm,
      state: s.state,
      ppid: s.ppid,
      nice: s.nice,
      threads: s.threads,
      rssKb: s.rssPages * PAGE_KB,
      isKernelThread: s.isKernelThread,
      cpuPct: (100 * (s.cpuTicks - a.stat.cpuTicks)) / CLK_TCK / system.seconds,
      cpuDemandPct: demandPct(a.sched, b.sched, system.seconds),
      readBytesPerS: Math.max(0, b.read - a.read) / system.seconds,
      writeBytesPerS: Math.max(0, b.write - a.write) / system.seconds,
    });
  }
  return { system, processes };
}
