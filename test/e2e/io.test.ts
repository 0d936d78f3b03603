// End to end, I/O side: `npm start` as in production (agent on, rules deciding)
// against a writer that fsyncs every batch and a process doing heavy direct block
// I/O. Each scenario follows the chain from the kernel to the audit row and checks
// that nothing else on the machine was touched (test/fixtures/e2e/scenario.ts, over the harness in harness/).
//
// The disk here uses mq-deadline, which ignores best-effort levels: the rules cap
// the workload's bandwidth (throttle_io, blk-throttle works on any scheduler).
// VERIFY judges it on the other I/O on that disk; a kept change and a rollback
// (no other I/O to protect) are both accepted; either way the audit rows must match /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ioEffect, runScenario } from '../fixtures/e2e/scenario.js';
import { cannotRun } from '../../harness/system.js';
import { directReader, directWriter, fsyncWriter } from '../../harness/workloads.js';

const skip = cannotRun();

test('slow-fsync writer: blocking_io names it, the agent caps its bandwidth, VERIFY keeps or rolls back, nothing else touched', { skip, timeout: 150_000 }, async (t) => {
  const r = await runScenario(t, {
    workload: (dir) => fsyncWriter(path.join(dir, 'fsync.bin'), 64),
    // A reader on the same disk: the victim VERIFY judges the cap by (without one, the executor refuses: no_measurable_victim).
    competitor: directReader('reader.bin'),
    signalTypes: ['blocking_io'],
    action: 'throttle_io',
    effect: ioEffect,
    mustHelp: false,
  });
  assert.equal(r.signal.entity_type, 'process');
  assert.equal(r.signal.entity_name, 'fsync-writer');
  assert.match(r.effectApplied, /blkio cgroup \/.*ks-io-/, 'the workload moved into the throttled cgroup');
});

test('heavy direct block I/O by one process: an I/O signal names it, the agent caps its bandwidth, nothing else touched', { skip, timeout: 150_000 }, async (t) => {
  const r = await runScenario(t, {
    workload: (dir) => directWriter(path.join(dir, 'direct.bin'), 64, 256),
    competitor: directReader('reader.bin'),
    signalTypes: ['blocking_io', 'io_congestion', 'block_device_saturation'],
    action: 'throttle_io',
    effect: ioEffect,
    mustHelp: false,
  });
  assert.match(r.effectApplied, /blkio cgroup \/.*ks-io-/, 'the workload moved into the throttled cgroup');
});
