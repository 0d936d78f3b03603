// A TIME_WAIT storm on loopback: 100 short connections a second to a local
// listener, each closed by the client first, so about 6,000 TIME_WAIT sockets
// stand at any time. The usual right answer is advice (connection reuse, a pool):
// tcp_fin_timeout does not shorten TIME_WAIT. The bystander connects to its own
// listener twenty times a second and records connect time and failures.
import type { Scenario } from '../scenario.js';
import { connectProbe } from '../probes.js';
import { timeWaitStorm } from '../workloads.js';

export const timeWait: Scenario = {
  name: 'time-wait',
  title: 'TIME_WAIT storm on loopback (100 connections/s) beside a connect-latency probe',
  expect: 'advise',
  detects: ['tcp_exhaustion'],
  victim: { probe: (env) => connectProbe(env.probeFile), metric: { field: 'p99', unit: 'ms', floor: 0.5 } },
  culprit: (env) => timeWaitStorm(100, env.lifeS),
};
