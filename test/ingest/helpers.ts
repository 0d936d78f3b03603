// Shared by ingest tests: temp dirs, a real ingest child process, event lines.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIST } from '../../lib/paths.js';


export function startIngest(dir: string, extra: string[] = []): ChildProcess {
  return spawn(process.execPath, [path.join(DIST, 'ingest', 'main.js'), '--db', path.join(dir, 'k.db'), '--log-dir', dir, ...extra], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, KS_SUPERVISED: '1' },
  });
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


const nowS = () => Math.round(Date.now()) / 1000;

export function loadLine(load1: number, ts = nowS()): string {
  return JSON.stringify({ v: 1, type: 'load', ts, load1, load5: 0.2, load15: 0.1, cpus: 2, runnable: 1, total_threads: 120, load1_per_cpu: load1 / 2 });
}

export function memoryLine(availableKb: number, ts = nowS()): string {
  const total = 24_000_000;
  return JSON.stringify({
    v: 1, type: 'memory', ts, total_kb: total, free_kb: availableKb, available_kb: availableKb, buffers_kb: 1000,
    cached_kb: 2000, swap_total_kb: 0, swap_free_kb: 0, dirty_kb: 10, writeback_kb: 0, anon_kb: 5000, shmem_kb: 10,
    slab_kb: 100, used_fraction: 1 - availableKb / total,
  });
}

export function syscallLine(pid: number, latencyMs: number, ts = nowS()): string {
  return JSON.stringify({
    v: 1, type: 'syscall', ts, pid, tid: pid, comm: 'writer', uid: 0, cpu: 1, syscall_nr: 74, syscall: 'fsync',
    latency_ms: latencyMs, ret: 0, fd: 3,
  });
}
