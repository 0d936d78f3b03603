// Killing what a dead predecessor left behind, under ONE rule shared with the C
// reaper (reaper/reaper.c, ours()): a process group is signalled only when
//   1. pgid > 1 (kill(-1) is every process on the host),
//   2. its leader is alive, is still the recorded (pid, start time) and still
//      leads the group (so a recycled pid is never hit),
//   3. and, because this list comes from a file rather than from our own memory:
//      the file is of this boot (checked by readTrustedState), the leader runs one
//      of our programs, and every member is in the leader's session. Our
//      components are session leaders (spawned detached) and a process can only
//      join a group of its own session, so those members descend from our leader.
// Once verified, a group stays a target only while it has never been seen empty:
// the kernel does not hand out a pgid that live members still carry, so a group
// that never emptied is the same group.
import fs from 'node:fs';
import path from 'node:path';
import { DIST, REAPER_BIN, ROOT, TRACER_BIN_DIR } from '../lib/paths.js';
import { readCmdline, readPidLink, readPidStat } from '../lib/procfs/pid.js';
import { groupMembers } from '../lib/procfs/tree.js';
import type { ComponentStatus, SupervisorState } from '../lib/supervisor-state.js';
import { groupAlive, signalGroup, sleep } from './kill-tree.js';

const real = (p: string): string | undefined => {
  try { return fs.realpathSync(p); } catch { return undefined; }
};
const under = (file: string | undefined, dir: string | undefined): boolean =>
  file !== undefined && dir !== undefined && file.startsWith(`${dir}${path.sep}`);

/** Where our Node programs live: the build, and the test fixtures that stand in for components. */
const SCRIPT_DIRS = [DIST, path.join(ROOT, 'test', 'fixtures')];

/**
 * Does pid run one of our programs: this Node running a script under dist/ (or
 * the test fixtures), a tracer binary under tracers/build, or the reaper?
 */
export function runsOurProgram(pid: number): boolean {
  const link = readPidLink(pid, 'exe');
  const exe = link === null ? undefined : real(link); // "(deleted)" does not resolve: not ours
  if (exe === undefined) return false;
  if (under(exe, real(TRACER_BIN_DIR)) || exe === real(REAPER_BIN)) return true;
  if (exe !== real(process.execPath)) return false;
  // argv: node [node flags] script ...; the script is the first non-flag.
  const script = readCmdline(pid).slice(1).find((a) => !a.startsWith('-'));
  const cwd = readPidLink(pid, 'cwd');
  if (!script || cwd === null) return false;
  const file = real(path.resolve(cwd, script));
  return SCRIPT_DIRS.some((d) => under(file, real(d)));
}

/** Rule 1–3 at the top: is this recorded component's group provably ours now? */
export function provablyOurs(c: Pick<ComponentStatus, 'pid' | 'pidStart'>): boolean {
  const pgid = c.pid;
  if (pgid === undefined || !Number.isInteger(pgid) || pgid <= 1 || c.pidStart === undefined) return false;
  const leader = readPidStat(pgid);
  if (!leader || leader.state === 'Z' || leader.startTime !== c.pidStart || leader.pgid !== pgid) return false;
  if (!runsOurProgram(pgid)) return false;
  return groupMembers(pgid).every((m) => m.sid === leader.sid);
}

/**
 * Kill the groups a dead predecessor left, by the rule at the top. state must
 * come from readTrustedState (boot id, owner, mode checked). Returns the names of
 * the components cleaned up.
 */
export async function killLeftovers(state: SupervisorState | undefined, graceMs = 3000): Promise<string[]> {
  if (!state) return [];
  const targets = state.components.filter((c) => provablyOurs(c) && groupAlive(c.pid!));
  const live = new Set(targets.map((c) => c.pid!));
  for (const pgid of live) signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (live.size && Date.now() < deadline) {
    await sleep(100);
    for (const pgid of live) if (!groupAlive(pgid)) live.delete(pgid); // emptied: its pgid may be reused now
  }
  for (const pgid of live) signalGroup(pgid, 'SIGKILL');
  return targets.map((c) => c.name);
}
