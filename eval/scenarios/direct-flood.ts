// A direct-I/O flood (64 MiB O_DIRECT writes over a 256 MiB span, back to back)
// beside the same O_DIRECT reader as sync-writer.
import path from 'node:path';
import type { Scenario } from '../scenario.js';
import { makeDataFile } from '../scenario.js';
import { directWriter } from '../../harness/workloads.js';
import { directReadProbe } from '../probes.js';

export const directFlood: Scenario = {
  name: 'direct-flood',
  title: 'O_DIRECT write flood beside an O_DIRECT reader',
  expect: 'act',
  detects: ['blocking_io', 'io_congestion', 'block_device_saturation'],
  prepare: (env) => makeDataFile(path.join(env.dir, 'reader.bin'), 256),
  victim: { probe: (env) => directReadProbe(env.probeFile, path.join(env.dir, 'reader.bin')), metric: { field: 'mean', unit: 'ms', floor: 0.5 } },
  culprit: (env) => directWriter(path.join(env.dir, 'direct.bin'), 64, 256, env.lifeS),
};
