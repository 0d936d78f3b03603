// Processes the agent never touches, whatever asked. Decided from what a process
// cannot choose: its executable (/proc/<pid>/exe), its cgroup (/proc/<pid>/cgroup,
// placed there by systemd or whoever started it), and its ancestry (KernelSight
// itself: this process, its ancestors, everything our supervisor started), and
// the operator's uid deny list (--deny-uid: a uid is set by the kernel). Names
// (comm, argv) can be set by any process, so they only ever add protection: the
// built-in names and the configured deny list, compared as the kernel truncates
// comm (15 bytes).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../lib/paths.js';
import { type PidStat, readCmdline, readPidCgroup, readPidLink, readPidStat, readPidStatus } from '../../lib/procfs/pid.js';

/** TASK_COMM_LEN - 1: the kernel keeps this many bytes of a process name. */
export const COMM_MAX = 15;

/** Executables of the services the host cannot lose (prefix match on a directory ending in '/'). */
const PROTECTED_EXES: ReadonlyArray<[string, string]> = [
  ['/usr/sbin/sshd', 'sshd'], ['/usr/lib/openssh/', 'sshd'], ['/usr/libexec/openssh/', 'sshd'],
  ['/usr/lib/systemd/', 'systemd'], ['/lib/systemd/', 'systemd'], ['/usr/bin/systemd', 'systemd'],
  ['/usr/bin/dbus-daemon', 'dbus'], ['/usr/bin/dbus-broker', 'dbus'], ['/usr/bin/dbus-broker-launch', 'dbus'],
];

/** cgroup path components (units) whose processes are protected, whatever they run. */
const PROTECTED_UNITS: ReadonlyArray<[RegExp, string]> = [
  [/^(ssh|sshd|openssh-server)\.service$/, 'sshd'],
  [/^init\.scope$/, 'systemd'],
  [/^systemd-.*\.service$/, 'systemd'],
  [/^(dbus|dbus-broker)\.service$/, 'dbus'],
];

/** Names that add protection (exact, or a prefix when ending in '*'). */
const BUILTIN_NAMES: ReadonlyArray<[string, string]> = [
  ['sshd', 'sshd'], ['sshd-session', 'sshd'], ['sshd-auth', 'sshd'],
  ['systemd*', 'systemd'], ['(sd-pam)', 'systemd'],
  ['dbus-daemon', 'dbus'], ['dbus-broker*', 'dbus'],
];

const truncate = (s: string) => Buffer.from(s).subarray(0, COMM_MAX).toString();

/** A deny entry against a comm: exact, or a prefix with a trailing '*'; both cut to 15 bytes as the kernel cuts comm. */
export function matchesName(comm: string, pattern: string): boolean {
  return pattern.endsWith('*') ? comm.startsWith(truncate(pattern.slice(0, -1))) : comm === truncate(pattern);
}

/** /proc/<pid>/exe without the " (deleted)" the kernel appends after the binary was replaced. */
function exeOf(pid: number): string | null {
  return readPidLink(pid, 'exe')?.replace(/ \(deleted\)$/, '') ?? null;
}

function realpath(p: string): string {
  try { return fs.realpathSync(p); } catch { return p; }
}

/** Our own pid and every ancestor: the supervisor, the shell that started us, PID 1. */
function ancestors(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 0 && !out.has(pid); ) {
    out.add(pid);
    pid = readPidStat(pid)?.ppid ?? 0;
  }
  return out;
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
  /** Directories holding our binaries, as /proc/<pid>/exe shows them (symlinks resolved). */
  private readonly ourDirs = [...new Set([ROOT, realpath(ROOT), realpath(path.join(ROOT, 'tracers', 'build')), realpath(path.join(ROOT, 'supervisor', 'reaper', 'build'))])].map((d) => `${d}/`);
  private readonly node = realpath(process.execPath);
  /** The supervisor that started us (it says so in our environment, and runs our node): it and all it started are ours. */
  private readonly supervisor: number | null;

  /**
   * @param scopeRoot when set, only descendants of this pid may be touched: confines
   *   the agent to one process tree (a service, or a test's own children on a shared host).
   */
  constructor(readonly denyList: readonly string[] = [], readonly scopeRoot?: number, readonly denyUids: readonly number[] = []) {
    const ppid = process.ppid;
    const script = ppid > 1 ? this.ourScript(ppid) : null;
    this.supervisor = process.env.KS_SUPERVISED === '1' && script !== null && this.ourDirs.some((d) => script === `${d}dist/start.js`) ? ppid : null;
  }

  /** The script from our dist/ that our node binary runs as `pid`, or null. */
  private ourScript(pid: number): string | null {
    const exe = exeOf(pid);
    if (!exe || realpath(exe) !== this.node) return null;
    const cwd = readPidLink(pid, 'cwd') ?? '/';
    // The first non-option argument is the script node runs; inline code (-e, -p) is no script of ours.
    const args = readCmdline(pid).slice(1);
    const at = args.findIndex((a) => !a.startsWith('-'));
    if (at < 0 || args.slice(0, at).some((a) => /^(-e|--eval|-p|--print)$/.test(a))) return null;
    const abs = realpath(path.resolve(cwd, args[at]));
    return this.ourDirs.some((d) => abs.startsWith(`${d}dist/`)) ? abs : null;
  }

  /** Our node binary running a script from our dist/, or a binary from our build folders. */
  private runsOurCode(pid: number): boolean {
    const exe = exeOf(pid);
    return !!exe && (this.ourDirs.some((d) => exe.startsWith(d)) || this.ourScript(pid) !== null);
  }

  private static byExe(pid: number): string | null {
    const exe = exeOf(pid);
    if (!exe) return null;
    for (const [p, name] of PROTECTED_EXES) if (p.endsWith('/') ? exe.startsWith(p) : exe === p) return name;
    return null;
  }

  private static byCgroup(pid: number): string | null {
    for (const cg of readPidCgroup(pid) ?? []) {
      for (const part of cg.path.split('/')) {
        for (const [re, name] of PROTECTED_UNITS) if (re.test(part)) return name;
      }
    }
    return null;
  }

  /** Why this process is protected, or null if the agent may act on it. */
  reason(stat: PidStat): string | null {
    if (stat.pid === 1) return 'pid_1';
    if (stat.isKernelThread) return 'kernel_thread';
    if (this.own.has(stat.pid) || this.runsOurCode(stat.pid)) return 'kernelsight_process';
    if (this.supervisor !== null && descendsFrom(stat.pid, this.supervisor)) return 'kernelsight_process';
    const fixed = ProtectionPolicy.byExe(stat.pid) ?? ProtectionPolicy.byCgroup(stat.pid);
    if (fixed) return fixed;
    for (const [pattern, name] of BUILTIN_NAMES) if (matchesName(stat.comm, pattern)) return name;
    if (this.denyUids.length) {
      const uid = readPidStatus(stat.pid)?.uid;
      if (uid === undefined || this.denyUids.includes(uid)) return 'deny_uid';
    }
    for (const d of this.denyList) if (matchesName(stat.comm, d)) return 'deny_list';
    if (this.scopeRoot !== undefined && !descendsFrom(stat.pid, this.scopeRoot)) return 'out_of_scope';
    return null;
  }
}
