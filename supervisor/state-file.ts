// <db dir>/supervisor.state.json: who is running now. It serves three purposes:
// a second supervisor on the same database refuses to start; a supervisor that
// finds the file of a dead predecessor kills what it left (the second line of
// defence behind the reaper, e.g. when both were killed at once); and tests and
// people can see each component's state without a terminal.
import fs from 'node:fs';
import { writeFileAtomic } from '../lib/atomic-file.js';
import type { SupervisorState } from '../lib/supervisor-state.js';
import { groupAlive, signalGroup, sleep } from './kill-tree.js';
import { readPidStat } from '../lib/procfs/pid.js';
import { isAlive } from '../lib/procfs/tree.js';

/** Atomic replace, so a reader never sees half a file. */
export function writeState(file: string, state: SupervisorState): void {
  try {
    writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, 0o644);
  } catch {
    // Losing a status update is harmless; the next change rewrites it.
  }
}

export function removeState(file: string): void {
  fs.rmSync(file, { force: true });
}

/** The supervisor that wrote this file, if it is still running. */
export function liveOwner(state: SupervisorState | undefined): number | undefined {
  if (!state || state.pid === process.pid) return undefined;
  return isAlive(state.pid, state.pidStart) ? state.pid : undefined;
}

/**
 * Kill process groups a dead predecessor left behind. Only groups whose leader
 * is gone or is still the process recorded (same start time) are touched, so a
 * recycled pid is never hit. Returns the names of the components cleaned up.
 */
export async function killLeftovers(state: SupervisorState | undefined, graceMs = 3000): Promise<string[]> {
  if (!state) return [];
  const targets = state.components.filter((c) => {
    if (c.pid === undefined) return false;
    const leader = readPidStat(c.pid);
    const sameLeader = !leader || leader.startTime === c.pidStart || leader.pgid !== c.pid;
    return sameLeader && groupAlive(c.pid);
  });
  for (const c of targets) signalGroup(c.pid!, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && targets.some((c) => groupAlive(c.pid!))) await sleep(100);
  for (const c of targets) signalGroup(c.pid!, 'SIGKILL');
  return targets.map((c) => c.name);
}
