// Four busy worker processes of one workload (same parent, same executable) on a
// 2-CPU host, beside a latency-sensitive bystander that sleeps 1 ms at a time and
// records how late each wake-up is. The culprit is the workload (any of its
// workers); the bystander is in the same scope, so renicing it is possible.
import type { Scenario } from '../scenario.js';
import { wakeupProbe } from '../probes.js';
import { cpuHogWorkers } from '../workloads.js';

export const cpuHog: Scenario = {
  name: 'cpu-hog',
  title: 'multi-process CPU hog (4 workers) beside a wake-up latency probe',
  expect: 'act',
  detects: ['cpu_saturation', 'runaway_process', 'scheduler_thrashing'],
  victim: { probe: (env) => wakeupProbe(env.probeFile), metric: { field: 'p99', unit: 'ms', floor: 0.5 } },
  culprit: (env) => cpuHogWorkers(4, env.lifeS),
};
