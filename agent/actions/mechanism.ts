// Does an action's kernel mechanism apply to this target on this host? Checked
// before the rules propose an action and by the executor for any proposal (a
// model's included), so an action that cannot work here is never taken and
// never credited with what chance did (issue 14):
// - I/O priority: only BFQ orders requests by best-effort level; mq-deadline
//   serves the classes (realtime, best-effort, idle) in order but ignores levels;
//   none and kyber ignore priorities altogether.
// - nice: with autogroup on, a task in the root cpu cgroup competes inside its
//   session's autogroup; a renice does not move CPU between sessions.
import fs from 'node:fs';
import path from 'node:path';
import { readSysctl } from '../../lib/procfs/sysctl.js';
import { detectCpuCgroup, processCgroup } from './cgroup.js';
import type { Refusal } from './types.js';

export interface BlockDevice {
  /** Whole disk, "major:minor" (what blkio/io.max rules and diskstats name). */
  readonly majMin: string;
  readonly name: string;
  /** The active I/O scheduler ("none", "mq-deadline", "bfq", "kyber"). */
  readonly scheduler: string;
}

const SYS_DEV = '/sys/dev/block';
const MAX_FDS = 512;

const read = (file: string): string | null => {
  try { return fs.readFileSync(file, 'utf8').trim(); } catch { return null; }
};

/** The whole disk behind a block device number (a partition's parent), with its scheduler. */
export function wholeDisk(major: number, minor: number): BlockDevice | null {
  let dir: string;
  try { dir = fs.realpathSync(path.join(SYS_DEV, `${major}:${minor}`)); } catch { return null; }
  if (fs.existsSync(path.join(dir, 'partition'))) dir = path.dirname(dir);
  const majMin = read(path.join(dir, 'dev'));
  const sched = read(path.join(dir, 'queue', 'scheduler'));
  if (!majMin || sched === null) return null;
  return { majMin, name: path.basename(dir), scheduler: /\[([^\]]+)\]/.exec(sched)?.[1] ?? sched };
}

/** glibc's dev_t split (gnu_dev_major/minor) for numbers below 2^32, which block devices are. */
const devParts = (dev: number): [number, number] => [(dev >>> 8) & 0xfff, (dev & 0xff) | ((dev >>> 12) & 0xfff00)];

/**
 * The disks a process does I/O on: those behind its open files and block devices,
 * else behind its working directory. Filesystems without a disk (tmpfs, proc) have none.
 */
export function blockDevicesOf(pid: number): BlockDevice[] {
  const found = new Map<string, BlockDevice>();
  const add = (st: fs.Stats) => {
    const [maj, min] = devParts(st.isBlockDevice() ? st.rdev : st.dev);
    if (maj === 0) return; // no disk behind it
    const d = wholeDisk(maj, min);
    if (d) found.set(d.majMin, d);
  };
  let fds: string[] = [];
  try { fds = fs.readdirSync(`/proc/${pid}/fd`).slice(0, MAX_FDS); } catch { return []; }
  for (const fd of fds) {
    try {
      const st = fs.statSync(`/proc/${pid}/fd/${fd}`);
      if (st.isFile() || st.isBlockDevice()) add(st);
    } catch { /* closed meanwhile */ }
  }
  if (found.size === 0) {
    try { add(fs.statSync(`/proc/${pid}/cwd`)); } catch { /* gone */ }
  }
  return [...found.values()];
}

/** The disk holding a file or directory (null: none behind it, e.g. tmpfs). */
export function diskHolding(file: string): BlockDevice | null {
  try {
    const [maj, min] = devParts(fs.statSync(file).dev);
    return maj === 0 ? null : wholeDisk(maj, min);
  } catch { return null; }
}

/** The disks of every process of a workload, each once. */
export function workloadDisks(pids: readonly number[]): BlockDevice[] {
  return [...new Map(pids.flatMap(blockDevicesOf).map((d) => [d.majMin, d])).values()];
}

const notApplicable = (detail: string): Refusal => ({ rule: 'mechanism_not_applicable', detail });

/** Which I/O priorities a scheduler honours. */
export function ioPriorityProblem(devices: readonly BlockDevice[], ioClass: string): Refusal | null {
  if (devices.length === 0) return notApplicable('no disk found behind the process\'s open files: an I/O priority has nothing to order');
  for (const d of devices) {
    if (d.scheduler === 'bfq') continue;
    if (d.scheduler === 'mq-deadline' && ioClass === 'idle') continue;
    const why = d.scheduler === 'mq-deadline'
      ? 'mq-deadline serves I/O classes in order but ignores best-effort levels (only BFQ orders by level)'
      : `the ${d.scheduler} scheduler ignores I/O priorities (classes need BFQ or mq-deadline, levels need BFQ)`;
    return notApplicable(`${d.name} uses ${d.scheduler}: ${why}; throttle_io limits the workload's bandwidth on any scheduler`);
  }
  return null;
}

/** Autogroup in force for this process: on, and the process is in the root cpu cgroup. */
export function autogroupOf(pid: number): string | null {
  if (readSysctl('kernel.sched_autogroup_enabled') !== '1') return null;
  const cg = detectCpuCgroup();
  if (!cg || processCgroup(pid, cg) !== '/') return null;
  return read(`/proc/${pid}/autogroup`)?.split(/\s+/)[0] ?? 'an autogroup';
}

/** `group`: the autogroup when the caller has already read it (OBSERVE does, once per target). */
export function autogroupProblem(pid: number, group = autogroupOf(pid)): Refusal | null {
  if (!group) return null;
  return notApplicable(`autogroup is on (kernel.sched_autogroup_enabled=1) and pid ${pid} runs in ${group}: nice orders tasks only inside one autogroup, so work in other sessions gains nothing; lower_cpu_weight moves the workload into a cgroup with a lower CPU weight instead`);
}
