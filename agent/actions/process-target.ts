// Helpers shared by the process actions.
import type { Target } from './types.js';

/** The parameter every process action takes: the model sees refs, never pids. */
export const TARGET_PARAM = { kind: 'target', description: 'opaque process reference from the observation, e.g. "t1"' } as const;

export type ProcessTarget = Extract<Target, { kind: 'process' }>;

export function asProcess(t: Target): ProcessTarget {
  if (t.kind !== 'process') throw new Error(`expected a process target, got ${t.kind}`);
  return t;
}

/** Cap on threads touched: a process with 10k threads does not get 10k syscalls per cycle. */
export const MAX_THREADS = 512;
