// Modes of what we write. The database, its WAL and the supervisor's state file
// hold every user's command names, uids and the agent's decisions: root only
// (0600). Logs are 0640 (group root), so an operator added to the group can read
// them without root. Directories we create are 0750.
import fs from 'node:fs';
import path from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const LOG_FILE_MODE = 0o640;
export const DIR_MODE = 0o750;

/**
 * mkdir -p with mode 0750 for every directory it creates (chmod too, so the umask
 * cannot widen or narrow it). A directory that already existed (one the operator
 * chose, /tmp) is left as it is.
 */
export function makeDir(dir: string): void {
  const first = fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (first === undefined) return;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    fs.chmodSync(d, DIR_MODE);
    if (d === path.resolve(first) || d === path.dirname(d)) break;
  }
}

/** Create file if missing with mode (an existing file of ours is narrowed to it). */
export function touchWithMode(file: string, mode: number): void {
  const fd = fs.openSync(file, 'a', mode);
  try {
    if (fs.fstatSync(fd).uid === process.getuid?.()) fs.fchmodSync(fd, mode);
  } finally {
    fs.closeSync(fd);
  }
}
