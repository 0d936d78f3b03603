// What the supervisor tells other processes about its components: the state file
// <db dir>/supervisor.state.json, rewritten on every state change. The supervisor
// writes it (supervisor/state-file.ts); doctor and chat read it here, so a
// component the supervisor gave up on shows as FAILED, with its last error,
// wherever someone looks.
import fs from 'node:fs';
import path from 'node:path';
import { readPidStat } from './procfs/pid.js';

export type ComponentState =
  | 'pending' // not started yet
  | 'up'
  | 'backoff' // waiting to restart
  | 'failed' // gave up restarting
  | 'unavailable' // exit 77/78: cannot run on this machine
  | 'not-installed'
  | 'stopping'
  | 'stopped';

export interface ComponentStatus {
  readonly name: string;
  readonly role: 'sink' | 'producer' | 'worker';
  readonly state: ComponentState;
  readonly pid?: number;
  readonly pidStart?: number;
  readonly restarts: number;
  readonly upSince?: number;
  /** Why it is not up: for `failed`, the exit and the last error it printed. */
  readonly reason?: string;
  readonly fix?: string;
}

export interface SupervisorState {
  /** /proc/sys/kernel/random/boot_id when written: pids mean nothing after a reboot. */
  readonly bootId: string;
  readonly pid: number;
  readonly pidStart: number;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly db: string;
  readonly logDir: string;
  readonly reaperPid?: number;
  readonly components: readonly ComponentStatus[];
}

export function stateFilePath(db: string): string {
  return path.join(path.dirname(db), 'supervisor.state.json');
}

/** The file, if it parses and has the expected shape; undefined otherwise. */
export function readState(file: string): SupervisorState | undefined {
  try {
    return validState(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

const isPid = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Schema check: a file that does not look like ours is treated as absent. */
export function validState(v: unknown): SupervisorState | undefined {
  const s = v as Partial<SupervisorState> | null;
  if (!s || typeof s !== 'object' || typeof s.bootId !== 'string' || !isPid(s.pid) || !isCount(s.pidStart)) return undefined;
  if (!Array.isArray(s.components)) return undefined;
  for (const c of s.components as unknown[]) {
    const x = c as Partial<ComponentStatus> | null;
    if (!x || typeof x !== 'object' || typeof x.name !== 'string') return undefined;
    if (x.pid !== undefined && (!isPid(x.pid) || !isCount(x.pidStart))) return undefined;
  }
  return s as SupervisorState;
}

/** The state of the supervisor running on this database, if one is running now. */
export function runningSupervisor(db: string): SupervisorState | undefined {
  const s = readState(stateFilePath(db));
  if (!s) return undefined;
  return readPidStat(s.pid)?.startTime === s.pidStart ? s : undefined;
}

/** The state word people see: FAILED in capitals, it needs a person. */
export function stateWord(c: Pick<ComponentStatus, 'state'>): string {
  return c.state === 'failed' ? 'FAILED' : c.state;
}

/** "agent FAILED: exit 1; 5 failures within 60 s; last stderr: ... — fix: see ..." */
export function describeComponent(c: ComponentStatus): string {
  const why = c.state === 'up' ? '' : `${c.reason ? `: ${c.reason}` : ''}${c.fix ? ` — fix: ${c.fix}` : ''}`;
  return `${c.name} ${stateWord(c)}${c.restarts ? ` (restarts ${c.restarts})` : ''}${why}`;
}
