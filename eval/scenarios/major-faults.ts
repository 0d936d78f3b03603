// Page-cache eviction and the major-fault storm it causes, contained in one capped
// memory cgroup (a container): the culprit reads random pages of a 384 MiB file
// through a mapping in a 96 MiB cgroup, so most of its touches are major faults
// and the cgroup's reclaim evicts what else is cached there; the bystander, in the
// same cgroup, keeps a 64 MiB file mapped and sweeps it twice a second. Its harm:
// how long a sweep of its own file-backed pages takes (its major faults are kept
// too; with read-ahead one fault brings in many pages, so they undercount).
import path from 'node:path';
import type { Scenario } from '../scenario.js';
import { makeDataFile } from '../scenario.js';
import { pageTouchProbe } from '../probes.js';
import { cacheThrash } from '../workloads.js';

export const majorFaults: Scenario = {
  name: 'major-faults',
  title: 'page-cache eviction / major-fault storm in a 96 MiB memory cgroup beside a file-backed working set',
  expect: 'act',
  detects: ['excessive_major_faults', 'page_fault_storm', 'memory_pressure'],
  memoryCgroupMb: 96,
  prepare: (env) => { makeDataFile(path.join(env.dir, 'working-set.bin'), 64); makeDataFile(path.join(env.dir, 'stream.bin'), 384); },
  victim: {
    probe: (env) => pageTouchProbe(env.probeFile, path.join(env.dir, 'working-set.bin'), env.cgroup!.procs, 0.5),
    metric: { field: 'mean', unit: 'ms/sweep', floor: 2 },
  },
  culprit: (env) => cacheThrash(path.join(env.dir, 'stream.bin'), env.cgroup!.procs, env.lifeS),
  notes: (env) => [`cgroup: ${JSON.stringify(env.cgroup!.stats())}`],
};
