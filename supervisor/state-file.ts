// <db dir>/supervisor.state.json: who is running now. It serves three purposes:
// a second supervisor on the same database refuses to start; a supervisor that
// finds the file of a dead predecessor kills what it left (the second line of
// defence behind the reaper, e.g. when both were killed at once); and tests and
// people can see each component's state without a terminal.
//
// Because the file decides what a root process kills, it is trusted only when it
// cannot have been written by anyone but us: the directory is not group/world
// writable and owned by root or us (else the supervisor refuses to start), the
// file is a regular file owned by us, mode 0600, of this boot, of our schema.
import { unsafeDir } from '../lib/private-files.js';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic-file.js';
import { PRIVATE_FILE_MODE } from '../lib/private-files.js';
import { readBootId } from '../lib/procfs/boot-id.js';
import { validState, type SupervisorState } from '../lib/supervisor-state.js';
import { isAlive } from '../lib/procfs/tree.js';

/** Atomic replace, so a reader never sees half a file. Root only: see the top. */
export function writeState(file: string, state: SupervisorState): void {
  try {
    writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, PRIVATE_FILE_MODE);
  } catch {
    // Losing a status update is harmless; the next change rewrites it.
  }
}

export function removeState(file: string): void {
  fs.rmSync(file, { force: true });
}

/**
 * Why the database directory cannot hold our state file, or undefined when it
 * can: anyone who can write it could plant a state file naming their victims.
 */
export function unsafeStateDir(dir: string): string | undefined {
  const why = unsafeDir(dir);
  return why && `the database directory ${why}: whoever can write it could choose what this root process kills at start ` +
    `(or pass --db in a directory only root can write, e.g. mkdir -m 0750 /var/lib/kernelsight)`;
}

export interface TrustedState {
  readonly state?: SupervisorState;
  /** Why an existing file was ignored (logged as a warning). */
  readonly ignored?: string;
}

/** The state file, only if it passes every check at the top of this file. */
export function readTrustedState(file: string, bootId = readBootId()): TrustedState {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return {};
  }
  const name = path.basename(file);
  if (!st.isFile()) return { ignored: `${name} is not a regular file` };
  if (st.uid !== (process.getuid?.() ?? 0)) return { ignored: `${name} belongs to uid ${st.uid}, not us` };
  if ((st.mode & 0o077) !== 0) return { ignored: `${name} has mode ${(st.mode & 0o777).toString(8)}, not 0600` };
  let parsed: SupervisorState | undefined;
  try {
    parsed = validState(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    parsed = undefined;
  }
  if (!parsed) return { ignored: `${name} is not a valid state file` };
  if (parsed.bootId !== bootId) return { ignored: `${name} is from another boot (${parsed.bootId || 'no boot id'})` };
  return { state: parsed };
}

/** The supervisor that wrote this file, if it is still running. */
export function liveOwner(state: SupervisorState | undefined): number | undefined {
  if (!state || state.pid === process.pid) return undefined;
  return isAlive(state.pid, state.pidStart) ? state.pid : undefined;
}
