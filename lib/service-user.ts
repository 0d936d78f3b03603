// The unprivileged identity KernelSight's components run as when started by root:
// the `kernelsight` system user and group that setup creates. Looked up in
// /etc/passwd and /etc/group directly (no NSS, no getent binary): a service
// account is always a local one.
import fs from 'node:fs';
import path from 'node:path';

export const SERVICE_USER = 'kernelsight';

export interface ServiceUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

function field(file: string, name: string, col: number): number | undefined {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return undefined; }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[col] !== undefined && /^\d+$/.test(f[col]!)) return Number(f[col]);
  }
  return undefined;
}

/** The service user, or undefined when setup has not created it (or not as root). */
export function serviceUser(name = SERVICE_USER, etc = '/etc'): ServiceUser | undefined {
  const uid = field(path.join(etc, 'passwd'), name, 2);
  const gid = field(path.join(etc, 'group'), name, 2);
  return uid === undefined || gid === undefined || uid === 0 ? undefined : { name, uid, gid };
}

/**
 * Why `u` cannot reach `target` (every directory on the way searchable, the
 * target itself with `want` access: 4 read, 2 write, 1 execute), or undefined when
 * it can. Mode bits only (no ACLs): what setup and the supervisor create uses none.
 */
export function unreachableBy(u: ServiceUser, target: string, want: number): string | undefined {
  const abs = path.resolve(target);
  const allows = (st: fs.Stats, bits: number) => {
    const m = st.uid === u.uid ? (st.mode >> 6) & 7 : st.gid === u.gid ? (st.mode >> 3) & 7 : st.mode & 7;
    return (m & bits) === bits;
  };
  const parts = abs.split(path.sep).filter(Boolean);
  let dir: string = path.sep;
  for (const p of parts.slice(0, -1)) {
    dir = path.join(dir, p);
    let st: fs.Stats;
    try { st = fs.statSync(dir); } catch { return `${dir} does not exist`; }
    if (!allows(st, 1)) return `${dir} (mode ${(st.mode & 0o7777).toString(8)}, uid ${st.uid}) does not let ${u.name} in; fix: chmod o+x ${dir}, or put KernelSight where ${u.name} can reach it`;
  }
  let st: fs.Stats;
  try { st = fs.statSync(abs); } catch { return `${abs} does not exist`; }
  if (!allows(st, want)) return `${abs} (mode ${(st.mode & 0o7777).toString(8)}) is not ${want & 2 ? 'writable' : 'readable'} by ${u.name}`;
  return undefined;
}

/**
 * Become the service user in this process (chat started by root): supplementary
 * groups cleared, gid then uid, so nothing of root is kept (CapEff 0 after setuid).
 */
export function dropPrivileges(u: ServiceUser): void {
  process.setgroups?.([u.gid]);
  process.setgid?.(u.gid);
  process.setuid?.(u.uid);
}
