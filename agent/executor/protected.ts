// Processes the agent never touches, whatever asked: PID 1, kernel threads,
// KernelSight itself (this process, its ancestors, anything run from the
// repository), sshd, systemd*, journald, dbus, and a configurable deny list.
import path from 'node:path';
import { ROOT } from '../../lib/paths.js';
import { type PidStat, readCmdline, readPidLink, readPidStat } from '../../lib/procfs/pid.js';

const BUILTIN: ReadonlyArray<[RegExp, string]> = [
  [/^sshd/, 'sshd'],
  [/^systemd/, 'systemd'],
  [/journald/, 'journald'],
  [/^dbus/, 'dbus'],
];

/** Our own pid and every ancestor: the supervisor, the shell that started us, PID 1. */
function ancestors(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 0 && !out.has(pid); ) {
    out.add(pid);
    pid = readPidStat(pid)?.ppid ?? 0;
  }
  return out;
}

const PATHLIKE = /^[\w.\-/@+]+$/;

/** True if any argv element is a path inside the repository (dist/..., tracers/build/...). */
function runsFromRepo(pid: number): boolean {
  const cwd = readPidLink(pid, 'cwd') ?? '/'; // '/' when exited or no access
  // Only arguments that look like paths: an inline script (node -e '...') is not one.
  return readCmdline(pid).some((a) => PATHLIKE.test(a) && a.includes('/') && path.resolve(cwd, a).startsWith(`${ROOT}/`));
}

function matchesDeny(comm: string, pattern: string): boolean {
  return pattern.endsWith('*') ? comm.startsWith(pattern.slice(0, -1)) : comm === pattern;
}

/** Is `pid` a descendant of `root` (walking the parent chain)? */
function descendsFrom(pid: number, root: number): boolean {
  const seen = new Set<number>();
  for (let p = readPidStat(pid)?.ppid ?? 0; p > 0 && !seen.has(p); p = readPidStat(p)?.ppid ?? 0) {
    if (p === root) return true;
    seen.add(p);
  }
  return false;
}

export class ProtectionPolicy {
  private readonly own = ancestors();
  /**
   * @param scopeRoot when set, only descendants of this pid may be touched: confines
   *   the agent to one process tree (a service, or a test's own children on a shared host).
   */
  constructor(readonly denyList: readonly string[] = [], readonly scopeRoot?: number) {}

  /** Why this process is protected, or null if the agent may act on it. */
  reason(stat: PidStat): string | null {
    if (stat.pid === 1) return 'pid_1';
    if (stat.isKernelThread) return 'kernel_thread';
    if (this.own.has(stat.pid) || runsFromRepo(stat.pid)) return 'kernelsight_process';
    for (const [re, name] of BUILTIN) if (re.test(stat.comm)) return name;
    for (const d of this.denyList) if (matchesDeny(stat.comm, d)) return 'deny_list';
    if (this.scopeRoot !== undefined && !descendsFrom(stat.pid, this.scopeRoot)) return 'out_of_scope';
    return null;
  }
}
