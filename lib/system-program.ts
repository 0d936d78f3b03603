// Running a host program as root: by absolute path from the system directories
// only (never through a PATH that could hold node_modules/.bin or a user's bin),
// with an environment that carries nothing of ours (no API keys). Pass
// `systemEnv` together with extendEnv: false, or execa adds process.env back.
import fs from 'node:fs';
import path from 'node:path';

const SYSTEM_DIRS = ['/usr/bin', '/usr/sbin', '/bin', '/sbin'] as const;

/** The whole environment a system program gets. */
export const systemEnv: Readonly<Record<string, string>> = { PATH: SYSTEM_DIRS.join(':'), LC_ALL: 'C' };

/** Options for execa: the clean environment and nothing inherited. */
export const systemExecOptions = { env: systemEnv, extendEnv: false } as const;

/** Absolute path of `name` in the system directories; throws saying where it looked. */
export function systemProgram(name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`not a program name: ${JSON.stringify(name)}`);
  for (const dir of SYSTEM_DIRS) {
    const file = path.join(dir, name);
    try { fs.accessSync(file, fs.constants.X_OK); return file; } catch { /* next */ }
  }
  throw new Error(`${name} not found in ${SYSTEM_DIRS.join(', ')}: install it (util-linux / systemd) to use this`);
}
