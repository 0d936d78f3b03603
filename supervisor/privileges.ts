// Who runs what, decided once at start by a root supervisor. With the kernelsight
// user (setup creates it) and a checkout it can reach: the Node components run as
// that user with no capabilities, each tracer as that user with only the file
// capabilities setup gave its binary (cap_bpf, cap_perfmon), and only the
// executor keeps root. Whatever cannot be dropped stays root, and the reason is
// printed (no user, a directory it cannot enter, a binary without capabilities
// or on a nosuid mount).
//
// The data and log directories become root:kernelsight 1770: the service user
// creates its files there (the database, its logs), and the sticky bit keeps it
// from removing or renaming root's (the audit key and head, the policy, the
// supervisor's state), which it cannot read either (0600).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { databaseFor, giveFile } from '../lib/shared-data.js';
import { LOG_FILE_MODE, makeDir } from '../lib/private-files.js';
import { readMounts, type Mount } from '../lib/procfs/mounts.js';
import { serviceUser, unreachableBy, type ServiceUser } from '../lib/service-user.js';

export const SHARED_DIR_MODE = 0o1770;
/** What setup gives each tracer binary (found by trying on this kernel: ring buffers and maps need no CAP_SYS_RESOURCE with memcg accounting). */
export const TRACER_CAPS = ['cap_bpf', 'cap_perfmon'] as const;

export interface PrivilegePlan {
  /** The Node components run as this user; undefined: as the supervisor's own user. */
  readonly user?: ServiceUser;
  /** Tracers that run as the user with their file capabilities (the others run as root). */
  readonly tracersAsUser: ReadonlySet<string>;
  /** Why something stays root, one line each, for the operator. */
  readonly notes: readonly string[];
}

export interface PlanInput {
  readonly db: string;
  readonly logDir: string;
  /** Files the service user must be able to read to run the Node components. */
  readonly code: readonly string[];
  readonly tracers: ReadonlyArray<{ readonly name: string; readonly bin: string }>;
  /** For tests: the user to drop to (default: the kernelsight user, if it exists). */
  readonly user?: ServiceUser | null;
}

/** The capabilities a file carries, as getcap prints them ("cap_bpf,cap_perfmon=ep"), or '' when none or no getcap. */
export function fileCaps(bin: string): string {
  for (const getcap of ['/usr/sbin/getcap', '/sbin/getcap', '/usr/bin/getcap']) {
    if (!fs.existsSync(getcap)) continue;
    try { return execFileSync(getcap, [bin], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(/\s+/).slice(1).join(' '); } catch { return ''; }
  }
  return '';
}

export function hasTracerCaps(caps: string): boolean {
  const m = /^(\S+)[=+](\S*e\S*)$/.exec(caps.replace(/\s+/g, ''));
  if (!m || !m[2]!.includes('p')) return false;
  const names = m[1]!.split(',');
  return TRACER_CAPS.every((c) => names.includes(c) || names.includes('all'));
}

/** Whether `file` sits on a mount with nosuid (file capabilities are then ignored by exec): its deepest mount decides. */
export function onNosuidMount(file: string): boolean {
  let real: string;
  try { real = fs.realpathSync(file); } catch { return false; }
  const under = (readMounts() ?? []).filter((m) => real === m.mountPoint || real.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : `${m.mountPoint}/`));
  // Mounted over each other, the last one listed is the one in effect.
  const deepest = under.reduce<Mount | undefined>((best, m) => (!best || m.mountPoint.length >= best.mountPoint.length ? m : best), undefined);
  return deepest?.options.includes('nosuid') ?? false;
}

/** Why `bin` cannot run as `u` with its capabilities, or undefined when it can. */
export function tracerDropBlocker(u: ServiceUser, bin: string): string | undefined {
  const caps = fileCaps(bin);
  if (!hasTracerCaps(caps)) return `${path.basename(bin)} has no ${TRACER_CAPS.join(',')} file capabilities (${caps || 'none'}); fix: npm run setup as root (it runs setcap after each build)`;
  if (onNosuidMount(bin)) return `${bin} is on a nosuid mount, where file capabilities do not apply; fix: build KernelSight on a mount without nosuid`;
  return unreachableBy(u, bin, 1);
}

/** Root:group 1770, for a directory that is ours (root's) or that we just made. */
function shareDir(dir: string, u: ServiceUser): void {
  makeDir(dir);
  const st = fs.statSync(dir);
  if (st.uid !== 0) return; // someone else's: the supervisor's own checks refuse it
  fs.chownSync(dir, 0, u.gid);
  fs.chmodSync(dir, SHARED_DIR_MODE);
}

/** The files the service user's components write, handed over to it. */
function handOver(i: PlanInput, u: ServiceUser): void {
  const dataDir = path.dirname(path.resolve(i.db));
  shareDir(dataDir, u);
  shareDir(i.logDir, u);
  // The database exists before anyone opens it, so its first opener (root or not) never owns it by accident.
  databaseFor(i.db, u);
  giveFile(path.join(dataDir, 'web.token'), u, 0o600);
  for (const name of fs.readdirSync(i.logDir)) {
    if (/^(supervisor|executor)\b/.test(name)) continue; // root's own
    giveFile(path.join(i.logDir, name), u, LOG_FILE_MODE);
  }
}

export function planPrivileges(i: PlanInput): PrivilegePlan {
  const none: PrivilegePlan = { tracersAsUser: new Set(), notes: [] };
  if (process.getuid?.() !== 0) return none;
  const u = i.user === undefined ? serviceUser() : i.user ?? undefined;
  if (!u) return { ...none, notes: ['every component runs as root: there is no kernelsight user (npm run setup as root creates it)'] };
  for (const [what, file, want] of [
    ['node', process.execPath, 1], ...i.code.map((f) => ['code', f, 4] as const),
    ['data', path.dirname(path.dirname(path.resolve(i.db))), 1], ['logs', path.dirname(path.resolve(i.logDir)), 1],
  ] as const) {
    const why = unreachableBy(u, file, want);
    if (why) return { ...none, notes: [`every component runs as root: the ${u.name} user cannot reach the ${what}: ${why}`] };
  }
  handOver(i, u);
  const notes: string[] = [];
  const tracersAsUser = new Set<string>();
  for (const t of i.tracers) {
    if (!fs.existsSync(t.bin)) continue;
    const why = tracerDropBlocker(u, t.bin);
    if (why) notes.push(`${t.name} runs as root: ${why}`);
    else tracersAsUser.add(t.name);
  }
  return { user: u, tracersAsUser, notes };
}
