// Helpers shared by the process actions.
import fs from 'node:fs';
import type { Target } from './types.js';

export type ProcessTarget = Extract<Target, { kind: 'process' }>;

export function asProcess(t: Target): ProcessTarget {
  if (t.kind !== 'process') throw new Error(`expected a process target, got ${t.kind}`);
  return t;
}

/** Thread ids of a process (nice and I/O priority are per thread on Linux). */
export function listTids(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

/** Cap on threads touched: a process with 10k threads does not get 10k syscalls per cycle. */
export const MAX_THREADS = 512;
