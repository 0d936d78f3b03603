// The harm a signal is about, measured on what is being hurt: everything outside
// the target workload. VERIFY judges an action by these numbers, never by what
// the target lost or its own siblings gained (issue 14). Each window is cut into
// slices so the noise of the before window can be estimated and an effect has to
// stand out from it.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readMeminfo } from '../../lib/procfs/meminfo.js';
import { listPids, listTids, readPidIo, readSchedstat } from '../../lib/procfs/pid.js';
import { readPressure } from '../../lib/procfs/pressure.js';
import type { Member } from './workload.js';

/** One slice of a window; every value is "lower is better" for the victims. */
export interface HarmSlice {
  /** Run-queue wait of every thread outside the workload, ms per second (1000 = one task always waiting). */
  readonly othersRunDelayMsPerS: number;
  /** PSI "some": share of the slice at least one task stalled (includes the workload's own tasks). */
  readonly cpuStallPct?: number;
  readonly ioStallPct?: number;
  readonly memStallPct?: number;
  /** Mean latency of reads / writes completed on the workload's disks in the slice, ms (absent: none completed). */
  readonly readAwaitMs?: number;
  readonly writeAwaitMs?: number;
  readonly memAvailableKb?: number;
  readonly dirtyKb?: number;
}

export interface HarmWindow {
  readonly sliceMs: number;
  readonly slices: HarmSlice[];
  /** Disks whose latency is measured (whole disks, by name). */
  readonly devices: string[];
  /** The workload's own I/O over the window, bytes/s: which direction its victims are in. */
  readonly workloadReadBps: number;
  readonly workloadWriteBps: number;
}

export const HARM_SLICES = 6;
/** Beyond this many threads on the host, only the first are read (each slice reads every one). */
const MAX_HOST_THREADS = 8192;

interface Reading {
  atMs: number;
  waitNs: Map<number, number>;
  psi: { cpu?: number; io?: number; memory?: number };
  disks: Map<string, { reads: number; readMs: number; writes: number; writeMs: number }>;
  mem?: Map<string, number>;
}

/** [pid, tid] of every thread on the host, outside the workload. */
function hostThreads(exclude: ReadonlySet<number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const pid of listPids()) {
    if (exclude.has(pid)) continue;
    for (const tid of listTids(pid)) {
      out.push([pid, tid]);
      if (out.length >= MAX_HOST_THREADS) return out;
    }
  }
  return out;
}

function readDisks(names: ReadonlySet<string>): Reading['disks'] {
  const out: Reading['disks'] = new Map();
  if (names.size === 0) return out;
  let text = '';
  try { text = fs.readFileSync('/proc/diskstats', 'utf8'); } catch { return out; }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 11 || !names.has(f[2]!)) continue;
    out.set(f[2]!, { reads: Number(f[3]), readMs: Number(f[6]), writes: Number(f[7]), writeMs: Number(f[10]) });
  }
  return out;
}

function read(threads: ReadonlyArray<[number, number]>, disks: ReadonlySet<string>): Reading {
  const waitNs = new Map<number, number>();
  for (const [pid, tid] of threads) {
    const s = readSchedstat(pid, tid);
    if (s) waitNs.set(tid, s.waitNs);
  }
  return {
    atMs: performance.now(), waitNs,
    psi: { cpu: readPressure('cpu')?.some.total, io: readPressure('io')?.some.total, memory: readPressure('memory')?.some.total },
    disks: readDisks(disks), mem: readMeminfo(),
  };
}

function diffSlice(a: Reading, b: Reading): HarmSlice {
  const s = (b.atMs - a.atMs) / 1000;
  let waited = 0;
  for (const [tid, ns] of b.waitNs) {
    const was = a.waitNs.get(tid);
    if (was !== undefined) waited += Math.max(0, ns - was);
  }
  const stall = (k: 'cpu' | 'io' | 'memory') => {
    const x = a.psi[k], y = b.psi[k];
    return x === undefined || y === undefined ? undefined : Math.min(100, (100 * (y - x)) / 1e6 / s);
  };
  let reads = 0, readMs = 0, writes = 0, writeMs = 0;
  for (const [name, d] of b.disks) {
    const p = a.disks.get(name);
    if (!p) continue;
    reads += d.reads - p.reads; readMs += d.readMs - p.readMs; writes += d.writes - p.writes; writeMs += d.writeMs - p.writeMs;
  }
  return {
    othersRunDelayMsPerS: waited / 1e6 / s,
    cpuStallPct: stall('cpu'), ioStallPct: stall('io'), memStallPct: stall('memory'),
    ...(reads > 0 ? { readAwaitMs: readMs / reads } : {}),
    ...(writes > 0 ? { writeAwaitMs: writeMs / writes } : {}),
    memAvailableKb: b.mem?.get('MemAvailable'), dirtyKb: b.mem?.get('Dirty'),
  };
}

function workloadIo(members: readonly Member[]): { read: number; write: number } {
  let read = 0, write = 0;
  for (const m of members) {
    const io = readPidIo(m.pid);
    if (io) { read += io.readBytes; write += io.writeBytes; }
  }
  return { read, write };
}

/** Measure `ms` in HARM_SLICES slices; `members` is the workload (excluded from "others"), `devices` its disks. */
export async function measureHarm(ms: number, members: readonly Member[], devices: readonly string[], signal?: AbortSignal): Promise<HarmWindow> {
  const exclude = new Set(members.map((m) => m.pid));
  const threads = hostThreads(exclude);
  const disks = new Set(devices);
  const sliceMs = Math.max(50, Math.round(ms / HARM_SLICES));
  const io0 = workloadIo(members);
  const t0 = performance.now();
  let prev = read(threads, disks);
  const slices: HarmSlice[] = [];
  for (let i = 0; i < HARM_SLICES; i++) {
    await sleep(sliceMs, undefined, { signal });
    const next = read(threads, disks);
    slices.push(diffSlice(prev, next));
    prev = next;
  }
  const io1 = workloadIo(members);
  const s = (performance.now() - t0) / 1000;
  return { sliceMs, slices, devices: [...devices], workloadReadBps: (io1.read - io0.read) / s, workloadWriteBps: (io1.write - io0.write) / s };
}
