// Page-cache eviction and the major-fault storm it causes, contained in one capped
// memory cgroup (a container): the culprit reads random pages of a 384 MiB file
// through a mapping (no read-ahead: one fault per page) in a 96 MiB cgroup; the
// bystander, in the same cgroup, keeps an 80 MiB file mapped and sweeps it twice
// a second. Sized so the bystander's working set only just fits beside the
// culprit: with a 64 MiB working set the kernel's active list kept it resident
// (no refaults, and stopping the culprit changed nothing), so there was no
// eviction to measure. At 80 MiB the culprit's stream pushes the bystander's
// pages out and it reads them back (measured by hand: sweeps 14 -> 65 ms,
// ~140 MiB/s of re-reads). Its harm: how long a sweep of its own file-backed
// pages takes (its major faults are kept too; with read-ahead one fault brings
// in many pages, so they undercount).
//
// The right answer is advice: the culprit only reads, and its victim is another
// reader, whose latency the disk's counters cannot tell from the culprit's own, so
// no window can show a bandwidth cap helping it (VERIFY judged every cap neutral).
// The fix is the cgroup's memory limit, which no catalogue action changes.
import path from 'node:path';
import type { Scenario } from '../scenario.js';
import { makeDataFile } from '../scenario.js';
import { pageTouchProbe } from '../probes.js';
import { cacheThrash } from '../workloads.js';

export const majorFaults: Scenario = {
  name: 'major-faults',
  title: 'page-cache eviction / major-fault storm in a 96 MiB memory cgroup beside a file-backed working set',
  expect: 'advise',
  detects: ['excessive_major_faults', 'page_fault_storm', 'memory_pressure'],
  memoryCgroupMb: 96,
  prepare: (env) => { makeDataFile(path.join(env.dir, 'working-set.bin'), 80); makeDataFile(path.join(env.dir, 'stream.bin'), 384); },
  victim: {
    probe: (env) => pageTouchProbe(env.probeFile, path.join(env.dir, 'working-set.bin'), env.cgroup!.procs, 0.5),
    metric: { field: 'mean', unit: 'ms/sweep', floor: 2 },
  },
  culprit: (env) => cacheThrash(path.join(env.dir, 'stream.bin'), env.cgroup!.procs, env.lifeS),
  notes: (env) => [`cgroup: ${JSON.stringify(env.cgroup!.stats())}`],
};
