// A memory grower inside a 256 MiB memory cgroup: it grows 16 MiB/s until the
// cgroup's OOM killer ends it, and its parent starts it again. The host has
// plenty of memory: the limit already contains the leak, so the right answer is
// advice. The bystander, outside the cgroup, maps and touches fresh memory five
// times a second and records how long that takes.
import type { Scenario } from '../scenario.js';
import { memTouchProbe } from '../probes.js';
import { memoryGrower } from '../workloads.js';

export const memoryCgroup: Scenario = {
  name: 'memory-cgroup',
  title: 'memory grower in a 256 MiB memory cgroup (OOM-killed, restarted) beside a memory-touch probe',
  expect: 'advise',
  detects: ['oom_risk', 'memory_pressure'],
  memoryCgroupMb: 256,
  victim: { probe: (env) => memTouchProbe(env.probeFile), metric: { field: 'mean', unit: 'ms', floor: 2 } },
  culprit: (env) => memoryGrower(env.cgroup!.procs, 16, env.lifeS),
  notes: (env) => [`cgroup: ${JSON.stringify(env.cgroup!.stats())}`],
};
