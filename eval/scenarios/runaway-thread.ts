// One process, one spinning thread, beside the wake-up latency probe. On this
// 2-CPU host one spinner leaves a CPU free: the machine is not saturated, and the
// bystander may not be hurt at all. What the agent makes of a runaway that harms
// nobody is the point.
import type { Scenario } from '../scenario.js';
import { runaway } from '../../harness/workloads.js';
import { wakeupProbe } from '../probes.js';

export const runawayThread: Scenario = {
  name: 'runaway-thread',
  title: 'single-thread runaway beside a wake-up latency probe',
  expect: 'act',
  detects: ['runaway_process', 'cpu_saturation'],
  victim: { probe: (env) => wakeupProbe(env.probeFile), metric: { field: 'p99', unit: 'ms', floor: 0.5 } },
  culprit: (env) => runaway(1, env.lifeS),
};
