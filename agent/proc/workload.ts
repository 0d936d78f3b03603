// Processes that belong together are one workload: the agent acts on, and VERIFY
// judges, the workload as a whole. Renicing one of four workers of one job only
// moves CPU between the workers; the job's victims get nothing (issue 14).
//
// Belong together: the same systemd service (its cgroup, when it is a .service),
// or the same parent, executable and command line (workers forked by one job;
// two different scripts a shell started under one interpreter differ in the
// command line, so they stay apart). A
// process whose parent is init (daemons re-parented there) is grouped only by its
// service: many unrelated daemons share /usr/bin/python3 and pid 1.
import path from 'node:path';
import { readCmdline, readPidCgroup, readPidLink } from '../../lib/procfs/pid.js';
import type { ProcessWindow } from './sampler.js';

export interface Member { readonly pid: number; readonly startTime: number }

/** The cgroup of a process in the service-tracking hierarchy (v2, or v1 name=systemd), when it is a .service. */
function serviceOf(pid: number): string | null {
  for (const e of readPidCgroup(pid) ?? []) {
    const tracks = e.hierarchy === 0 ? e.controllers.length === 0 : e.controllers.includes('name=systemd');
    if (tracks && path.posix.basename(e.path).endsWith('.service')) return e.path;
  }
  return null;
}

/** The key two processes share when they are one workload; null for kernel threads and unreadable ones. */
export function workloadKey(p: Pick<ProcessWindow, 'pid' | 'ppid' | 'isKernelThread'>): string | null {
  if (p.isKernelThread) return null;
  const svc = serviceOf(p.pid);
  if (svc) return `service:${svc}`;
  const exe = readPidLink(p.pid, 'exe');
  if (!exe || p.ppid <= 1) return `pid:${p.pid}`;
  return `exe:${p.ppid}:${exe}:${JSON.stringify(readCmdline(p.pid))}`;
}

/** Group processes into workloads; each group lists its members busiest (CPU) first. */
export function groupWorkloads<P extends Pick<ProcessWindow, 'pid' | 'ppid' | 'isKernelThread' | 'cpuPct'>>(procs: readonly P[]): Map<number, P[]> {
  const byKey = new Map<string, P[]>();
  const keyOf = new Map<number, string>();
  for (const p of procs) {
    const key = workloadKey(p) ?? `pid:${p.pid}`;
    keyOf.set(p.pid, key);
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  const out = new Map<number, P[]>();
  for (const p of procs) out.set(p.pid, [...byKey.get(keyOf.get(p.pid)!)!].sort((a, b) => b.cpuPct - a.cpuPct));
  return out;
}
