// Start and cancel the pause watchdog (pause-watchdog-main.ts). Each pause gets a
// random token, recorded in its prior state; cancelling finds the watchdog by that
// token among our own processes (our uid, our node binary, the helper's path).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listPids, readCmdline, readPidLink, readPidStatus } from '../../lib/procfs/pid.js';

const HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pause-watchdog-main.js');

export const newWatchdogToken = (): string => crypto.randomBytes(12).toString('hex');

/**
 * Start the watchdog and resolve once it runs; reject when it could not start
 * (then the caller must not stop the process). It is started through a short-lived
 * launcher that exits at once, so the watchdog is re-parented away from the agent:
 * stopping the agent (the supervisor signals the agent's process tree, SIGKILL
 * after the grace period) does not reach it, and it keeps the deadline.
 */
export async function startPauseWatchdog(token: string, pid: number, startTime: number, deadlineMs: number): Promise<void> {
  const child = spawn(process.execPath, [HELPER, '--launch', token, String(pid), String(startTime), String(Math.round(deadlineMs))], { detached: true, stdio: 'ignore', env: {} });
  const [code] = (await Promise.race([once(child, 'exit'), once(child, 'error').then(([e]) => { throw e; })])) as [number | null];
  if (code !== 0) throw new Error(`the pause watchdog did not start (launcher exit ${code}): the process is not paused`);
}

/** Stop the watchdog holding this token, if it still runs. */
export function cancelPauseWatchdog(token: unknown): void {
  if (typeof token !== 'string' || !/^[0-9a-f]{24}$/.test(token)) return;
  const uid = process.getuid?.();
  const node = fs.realpathSync(process.execPath);
  for (const pid of listPids()) {
    const argv = readCmdline(pid);
    if (argv[1] !== HELPER || argv[2] !== token || readPidLink(pid, 'exe') !== node) continue;
    try {
      if (uid !== undefined && readPidStatus(pid)?.uid !== uid) continue;
      process.kill(pid, 'SIGTERM');
    } catch { /* gone meanwhile */ }
  }
}
