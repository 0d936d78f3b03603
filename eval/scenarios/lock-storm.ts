// A lock convoy: six worker processes take one flock in turn, each holding it for
// 5 ms of CPU work; the bystander is a legitimate user of the same lock, taking it
// ten times a second, and its wait for the lock is the harm. No action in the
// catalogue shortens a lock queue (CPU weight was tried: neutral every time), so
// the agent is expected to detect it and advise.
import path from 'node:path';
import type { Scenario } from '../scenario.js';
import { lockWaitProbe } from '../probes.js';
import { lockStorm as storm } from '../workloads.js';

export const lockStorm: Scenario = {
  name: 'lock-storm',
  title: 'flock convoy (6 processes, 5 ms holds) beside a lock user measuring its wait',
  expect: 'advise',
  detects: ['lock_contention'],
  victim: { probe: (env) => lockWaitProbe(env.probeFile, path.join(env.dir, 'shared.lock')), metric: { field: 'mean', unit: 'ms', floor: 1 } },
  culprit: (env) => storm(path.join(env.dir, 'shared.lock'), 6, 5, env.lifeS),
};
