// Modes of what we write. The database and its WAL hold every user's command
// names, uids and the agent's decisions: 0640, owner and group only (the
// kernelsight group when root drops privileges, supervisor/privileges.ts, so an
// operator added to it can read them without root). Logs are 0640 too. Files
// only root may trust (the supervisor's state, the audit key and head, the
// policy) are 0600. Directories we create are 0750.
import fs from 'node:fs';
import path from 'node:path';
import { serviceUser } from './service-user.js';

export const PRIVATE_FILE_MODE = 0o600;
export const DB_FILE_MODE = 0o640;
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

const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW } = fs.constants;

/**
 * Open for appending, creating with `mode`, without following a symlink: we run
 * as root, and a link planted in a directory someone else can write (a log dir in
 * a user's checkout) must not turn our write or chmod onto another file. Throws,
 * naming the file, when it is a link or not a regular file.
 */
export function openAppendNoFollow(file: string, mode: number): number {
  let fd: number;
  try {
    fd = fs.openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new Error(`refusing to write ${file}: it is a symbolic link (remove it)`);
    throw e;
  }
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw new Error(`refusing to write ${file}: not a regular file`);
  }
  return fd;
}

/** Create file if missing with mode (an existing file of ours is narrowed to it); never through a symlink. */
export function touchWithMode(file: string, mode: number): void {
  const fd = openAppendNoFollow(file, mode);
  try {
    if (fs.fstatSync(fd).uid === process.getuid?.()) fs.fchmodSync(fd, mode);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Why root must not trust what others could have written in `dir` (group or world
 * writable, or owned by another user), or undefined when only root (or we) can.
 */
export function unsafeDir(dir: string): string | undefined {
  const st = fs.statSync(dir);
  const uid = process.getuid?.() ?? 0;
  // root:kernelsight 1770 (supervisor/privileges.ts): the group may add files, never
  // remove or rename root's (sticky), and root's files there are 0600.
  const shared = st.uid === 0 && (st.mode & 0o1000) !== 0 && (st.mode & 0o002) === 0 && st.gid === serviceUser()?.gid;
  if (shared) return undefined;
  if ((st.mode & 0o022) !== 0) return `${dir} is group or world writable (mode ${(st.mode & 0o7777).toString(8)}); fix: chmod go-w ${dir}`;
  if (st.uid !== 0 && st.uid !== uid) return `${dir} belongs to uid ${st.uid}, not root; fix: chown root ${dir}`;
  return undefined;
}

/** Why `file` must not be trusted (a link, not a regular file, someone else's, writable by others, in an unsafe dir). */
export function unsafeFile(file: string): string | undefined {
  const st = fs.lstatSync(file);
  const uid = process.getuid?.() ?? 0;
  if (!st.isFile()) return `${file} is not a regular file${st.isSymbolicLink() ? ' (a symbolic link)' : ''}; fix: remove it`;
  if (st.uid !== 0 && st.uid !== uid) return `${file} belongs to uid ${st.uid}; fix: remove it`;
  if ((st.mode & 0o022) !== 0) return `${file} is group or world writable (mode ${(st.mode & 0o7777).toString(8)}); fix: chmod 0600 ${file}`;
  return unsafeDir(path.dirname(file));
}

/** chmod an existing regular file of ours by path (no descriptor opened); links and others' files are left alone. */
export function narrowMode(file: string, mode: number): void {
  let st: fs.Stats;
  try { st = fs.lstatSync(file); } catch { return; }
  if (st.isFile() && st.uid === process.getuid?.() && (st.mode & 0o777) !== mode) fs.chmodSync(file, mode);
}
