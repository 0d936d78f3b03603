// Start and cancel the pause watchdog (pause-watchdog-main.ts). Each pause gets a
// random token, recorded in its prior state; cancelling finds the watchdog by that
// token among our own processes (our uid, our node binary, the helper's path).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCmdline } from '../../lib/procfs/pid.js';

const HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pause-watchdog-main.js');

export const newWatchdogToken = (): string => crypto.randomBytes(12).toString('hex');

/** Detached (own session): killing the agent, or its process group, does not end it. */
export function startPauseWatchdog(token: string, pid: number, startTime: number, deadlineMs: number): void {
  const child = spawn(process.execPath, [HELPER, token, String(pid), String(startTime), String(Math.round(deadlineMs))], { detached: true, stdio: 'ignore', env: {} });
  child.unref();
}

/** Stop the watchdog holding this token, if it still runs. */
export function cancelPauseWatchdog(token: unknown): void {
  if (typeof token !== 'string' || !/^[0-9a-f]{24}$/.test(token)) return;
  const uid = process.getuid?.();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = readCmdline(Number(name));
    if (argv[1] !== HELPER || argv[2] !== token) continue;
    try {
      if (uid !== undefined && fs.statSync(`/proc/${name}`).uid !== uid) continue;
      if (fs.readlinkSync(`/proc/${name}/exe`) !== fs.realpathSync(process.execPath)) continue;
      process.kill(Number(name), 'SIGTERM');
    } catch { /* gone meanwhile */ }
  }
}
