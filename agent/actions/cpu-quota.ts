// throttle_cpu: cap a process's CPU time with a cgroup quota (v2 cpu.max or v1
// cpu.cfs_quota_us). The process moves into kernelsight/throttle-<pid>-<start>;
// rollback moves it back to the cgroup it came from and removes ours.
import fs from 'node:fs';
import path from 'node:path';
import { detectCpuCgroup, KS_GROUP, ourGroup, processCgroup, type CpuCgroup } from './cgroup.js';
import { r1 } from './estimate.js';
import { judgeCpu } from './judge.js';
import { asProcess, TARGET_PARAM } from './process-target.js';
import type { ActionHandler, PriorState } from './types.js';

const PERIOD_US = 100_000;

function enableCpuV2(cg: CpuCgroup): void {
  // v2 only hands a controller to children whose parent enabled it in subtree_control.
  for (const dir of [cg.mount, path.join(cg.mount, KS_GROUP)]) {
    const f = path.join(dir, 'cgroup.subtree_control');
    if (!fs.readFileSync(f, 'utf8').split(/\s+/).includes('cpu')) fs.writeFileSync(f, '+cpu');
  }
}

function cgOf(prior: PriorState): CpuCgroup {
  return { version: prior.version as 'v1' | 'v2', mount: String(prior.mount) };
}

function removeGroup(dir: string): void {
  try { fs.rmdirSync(dir); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
  // The parent goes too once nothing else is throttled (EBUSY while siblings remain).
  try { fs.rmdirSync(path.dirname(dir)); } catch { /* still in use, or gone */ }
}

export const cpuQuota: ActionHandler = {
  spec: {
    name: 'throttle_cpu',
    description: 'Cap the CPU time of a process with a cgroup quota, in percent of one CPU.',
    risk: 'medium',
    needsApproval: false,
    reversible: true,
    targetKind: 'process',
    params: {
      target: TARGET_PARAM,
      quota_pct: { kind: 'int', min: 10, max: 90, description: 'CPU quota in percent of one CPU' },
    },
  },
  async readPrior(t) {
    const p = asProcess(t);
    const cg = detectCpuCgroup();
    return { version: cg?.version ?? null, mount: cg?.mount ?? null, cgroup: cg ? processCgroup(p.pid, cg) : null };
  },
  check(_t, _params, prior) {
    if (!prior.version) return { rule: 'no_cpu_cgroup', detail: 'no cgroup hierarchy with the cpu controller on this host' };
    if (prior.cgroup === null) return { rule: 'target_gone', detail: 'could not read /proc/<pid>/cgroup' };
    if (String(prior.cgroup).startsWith(`/${KS_GROUP}/`)) return { rule: 'already_applied', detail: `already in ${String(prior.cgroup)}` };
    return null;
  },
  describe(t, params) {
    const p = asProcess(t);
    const quota = Math.round((PERIOD_US * Number(params.quota_pct)) / 100);
    const cg = detectCpuCgroup();
    const file = cg?.version === 'v2' ? `cpu.max = "${quota} ${PERIOD_US}"` : `cpu.cfs_quota_us = ${quota} (period ${PERIOD_US})`;
    return `mkdir ${cg?.mount ?? '<no cpu cgroup>'}${ourGroup(p.pid, p.startTime)}; write ${file}; write ${p.pid} to its cgroup.procs`;
  },
  async apply(t, params, prior) {
    const p = asProcess(t);
    const cg = cgOf(prior);
    const dir = path.join(cg.mount, ourGroup(p.pid, p.startTime));
    fs.mkdirSync(dir, { recursive: true });
    const quota = Math.round((PERIOD_US * Number(params.quota_pct)) / 100);
    if (cg.version === 'v2') {
      enableCpuV2(cg);
      fs.writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
    } else {
      fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota));
    }
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(p.pid));
    } catch (e) {
      removeGroup(dir);
      throw e;
    }
  },
  async rollback(t, _params, prior) {
    const p = asProcess(t);
    const cg = cgOf(prior);
    fs.writeFileSync(path.join(cg.mount, String(prior.cgroup), 'cgroup.procs'), String(p.pid));
    removeGroup(path.join(cg.mount, ourGroup(p.pid, p.startTime)));
  },
  async cleanup(t, _params, prior) {
    const p = asProcess(t);
    if (prior.mount) removeGroup(path.join(String(prior.mount), ourGroup(p.pid, p.startTime)));
  },
  async isApplied(t, _params, prior) {
    const p = asProcess(t);
    return prior.version ? processCgroup(p.pid, cgOf(prior)) === ourGroup(p.pid, p.startTime) : false;
  },
  judge: (before, after, t) => judgeCpu(before, after, t),
  estimate({ params, target: t, system, cpus }) {
    if (!t) return null;
    const q = Number(params.quota_pct);
    const freed = Math.max(0, t.cpuPct - q);
    const to = r1(Math.max(0, system.busyPct - freed / cpus));
    return { metric: 'system.busy_pct', from: r1(system.busyPct), to,
      expectedEffect: `${t.ref} capped at ${q}% of one cpu (now ${t.cpuPct}%): frees ~${r1(freed)}% of a cpu; system busy ${r1(system.busyPct)}% -> ~${to}% unless others take it` };
  },
};
