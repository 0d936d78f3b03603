// Helpers shared by the process actions.
import type { Refusal, Target } from './types.js';

/** The parameter every process action takes: the model sees refs, never pids. */
export const TARGET_PARAM = { kind: 'target', description: 'opaque process reference from the observation, e.g. "t1"' } as const;

export type ProcessTarget = Extract<Target, { kind: 'process' }>;

export function asProcess(t: Target): ProcessTarget {
  if (t.kind !== 'process') throw new Error(`expected a process target, got ${t.kind}`);
  return t;
}

/**
 * Per-thread actions touch every thread and record every thread's prior value:
 * a process with more threads than this is refused, never half-changed.
 */
export const MAX_THREADS = 16_384;

export function tooManyThreads(count: number): Refusal | null {
  return count > MAX_THREADS ? { rule: 'too_many_threads', detail: `${count} threads; per-thread actions stop at ${MAX_THREADS}` } : null;
}
