// A database-like writer that fsyncs every 64 MiB batch, beside a reader doing
// 4 KiB O_DIRECT reads of its own file, whose per-read latency is the harm.
import path from 'node:path';
import type { Scenario } from '../scenario.js';
import { makeDataFile } from '../scenario.js';
import { fsyncWriter } from '../../harness/workloads.js';
import { directReadProbe } from '../probes.js';

export const syncWriter: Scenario = {
  name: 'sync-writer',
  title: 'fsync loop writer beside an O_DIRECT reader',
  expect: 'act',
  detects: ['blocking_io', 'io_congestion', 'block_device_saturation'],
  prepare: (env) => makeDataFile(path.join(env.dir, 'reader.bin'), 256),
  victim: { probe: (env) => directReadProbe(env.probeFile, path.join(env.dir, 'reader.bin')), metric: { field: 'mean', unit: 'ms', floor: 0.5 } },
  culprit: (env) => fsyncWriter(path.join(env.dir, 'fsync.bin'), 64, env.lifeS),
};
