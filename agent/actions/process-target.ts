// Helpers shared by the process actions.
import { listTids, readPidStat } from '../../lib/procfs/pid.js';
import type { Member } from '../proc/workload.js';
import type { PriorState, Refusal, Target } from './types.js';

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

/**
 * The workload's processes as the action recorded them (prior.members), else as
 * the target names them, else the process alone. Undo, rollback and restart read
 * the recorded list, so they act on exactly the processes the action touched.
 */
export function membersOf(t: Target, prior?: PriorState): Member[] {
  const p = asProcess(t);
  const recorded = prior?.members;
  if (Array.isArray(recorded) && recorded.length > 0) return recorded as Member[];
  return [...(p.members ?? [{ pid: p.pid, startTime: p.startTime }])];
}

/** Members still running as the same process (pid reuse would make a pid someone else). */
export function liveMembers(members: readonly Member[]): Member[] {
  return members.filter((m) => readPidStat(m.pid)?.startTime === m.startTime);
}

/** Every thread of the live members. */
export function memberTids(members: readonly Member[]): number[] {
  return liveMembers(members).flatMap((m) => listTids(m.pid));
}

export const pidList = (members: readonly Member[]): string => members.map((m) => m.pid).join(',');
