// Signalling a child and everything it started. Every child runs in its own
// process group (spawned detached), so one kill(-pgid) reaches grandchildren even
// after their parent died and they were re-parented; the tree walk additionally
// follows parent links, which catches descendants that left the group (setsid).
// The walk reads /proc itself: tree-kill ran `ps` found through PATH, and root
// never resolves a program through a PATH that may hold node_modules/.bin.
import { descendants, groupMembers, isAlive } from '../lib/procfs/tree.js';
import { readPidStat } from '../lib/procfs/pid.js';

/**
 * Signal a whole process group; false when the group is empty. pgid <= 1 is
 * refused outright: kill(-1) signals every process on the host and kill(0) our
 * own group, whatever a caller computed.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nobody left; EPERM cannot happen for our own children
  }
}

/**
 * Signal a process tree by parent links (no-op when pid is gone). Each member is
 * signalled only while it is still the process the walk found (pid, start time).
 */
export async function signalTree(pid: number, signal: NodeJS.Signals): Promise<void> {
  const root = readPidStat(pid);
  if (!root || pid <= 1) return;
  for (const p of [root, ...descendants(pid)]) {
    if (p.pid <= 1 || !isAlive(p.pid, p.startTime)) continue;
    try { process.kill(p.pid, signal); } catch { /* exited meanwhile */ }
  }
}

/** Signal the group and the tree rooted at leader. */
export async function signalAll(leader: number, signal: NodeJS.Signals): Promise<void> {
  // Tree first: it needs the parent links that the group signal may break.
  await signalTree(leader, signal);
  signalGroup(leader, signal);
}

/** Does any live (non-zombie) process remain in the group? */
export function groupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // kill(0) also succeeds for zombies waiting to be reaped; those are not "running".
  return groupMembers(pgid).length > 0;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM a group (and tree), wait up to graceMs for it to empty, then SIGKILL.
 * Resolves true when it emptied without SIGKILL.
 */
export async function terminateGroup(leader: number, graceMs: number, pollMs = 100): Promise<boolean> {
  if (!groupAlive(leader)) return true;
  await signalAll(leader, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(leader)) return true;
    await sleep(pollMs);
  }
  await signalAll(leader, 'SIGKILL');
  for (let i = 0; i < 50 && groupAlive(leader); i++) await sleep(pollMs);
  return false;
}
