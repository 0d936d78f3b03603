// lower_cpu_weight: move the workload into a child cgroup with a lower CPU weight
// (v1 cpu.shares). Unlike nice, a cgroup's weight counts against every other
// group at its level, autogroups included: with autogroup on, this is how the
// CPU is given back to other sessions.
import { detectCpuCgroup } from './cgroup.js';
import { judgeCpu } from './judge.js';
import { TARGET_PARAM } from './process-target.js';
import type { ActionHandler, Params } from './types.js';
import { applyChild, childApplied, childOf, describeChild, planChild, restoreChild, type Writes } from './workload-cgroup.js';

const DEFAULT_SHARES = 1024;
const shares = (params: Params) => Math.max(2, Math.round((DEFAULT_SHARES * Number(params.weight_pct)) / 100));
const files = (params: Params): Writes => [['cpu.shares', String(shares(params))]];

export const cpuWeight: ActionHandler = {
  spec: {
    name: 'lower_cpu_weight',
    description: 'Move a workload into a child cgroup with a lower CPU weight, so competing work (other sessions included) gets the CPU first. It still runs at full speed when nobody else wants the CPU.',
    condition: 'a workload burning CPU that other processes wait for, across sessions or cgroups',
    mechanism: 'CFS group weight: cpu.shares of a child cgroup (v1) in the workload\'s cpu cgroup; counts against autogroups and sibling cgroups; refused on cgroup v2 (no internal processes)',
    risk: 'low',
    needsApproval: false,
    reversible: true,
    switchback: true,
    targetKind: 'process',
    params: {
      target: TARGET_PARAM,
      weight_pct: { kind: 'int', min: 1, max: 50, description: 'new CPU weight in percent of the default (100%)' },
    },
  },
  async readPrior(t) { return { ...planChild(t, detectCpuCgroup(), 'ks-weight-', 'cpu') }; },
  check: (_t, _p, prior) => childOf(prior).blocked,
  describe: (t, params) => describeChild(planChild(t, detectCpuCgroup(), 'ks-weight-', 'cpu'), files(params)),
  apply: (_t, params, prior) => applyChild(childOf(prior), files(params)),
  rollback: (_t, _p, prior) => restoreChild(childOf(prior)),
  cleanup: (_t, _p, prior) => restoreChild(childOf(prior)),
  async isApplied(t, params, prior) { return childApplied(t, childOf(prior), files(params)); },
  judge: (before, after, t) => judgeCpu(before, after, t),
  estimate({ params, target: t }) {
    if (!t) return null;
    return { metric: `${t.ref}.cpu_weight_pct`, from: 100, to: Number(params.weight_pct),
      expectedEffect: `${t.ref} (${t.cpuPct}% of one cpu) keeps running but yields to other runnable work: their run-queue wait should fall` };
  },
};
