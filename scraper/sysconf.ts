// The two sysconf values /proc arithmetic needs. Node has no sysconf(), so ask
// getconf once at start-up (by absolute path, clean environment: the scraper runs
// as root) and fall back to the Linux defaults.
import { execFileSync } from 'node:child_process';
import { systemEnv, systemProgram } from '../lib/system-program.js';

function getconf(name: string, dflt: number): number {
  try {
    const n = Number(execFileSync(systemProgram('getconf'), [name], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'], env: systemEnv }).trim());
    return Number.isInteger(n) && n > 0 ? n : dflt;
  } catch {
    return dflt;
  }
}

let cached: { clockTicks: number; pageSize: number } | undefined;

/** Clock ticks per second (USER_HZ, for /proc/<pid>/stat times) and page size in bytes. */
export function sysconf(): { clockTicks: number; pageSize: number } {
  cached ??= { clockTicks: getconf('CLK_TCK', 100), pageSize: getconf('PAGESIZE', 4096) };
  return cached;
}
