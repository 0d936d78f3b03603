// End to end, I/O side: `npm start` as in production (agent on, rules deciding)
// against a writer that fsyncs every batch and a process doing heavy direct block
// I/O. Each scenario follows the chain from the kernel to the audit row and checks
// that nothing else on the machine was touched (test/fixtures/e2e/scenario.ts, over the harness in harness/).
//
// The disk here has no I/O scheduler (`none`), under which I/O priorities change
// nothing: VERIFY then measures no benefit and rolls the change back. Both that
// and a kept change are accepted; either way the audit rows must match /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ioprios, ioprioText } from '../../harness/procs.js';
import { runScenario } from '../fixtures/e2e/scenario.js';
import { cannotRun } from '../../harness/system.js';
import { directWriter, fsyncWriter } from '../../harness/workloads.js';
import type { Workload } from '../../harness/scope.js';

const skip = cannotRun();
const ioprioOf = (w: Workload): string => ioprioText(ioprios([w.pid]).get(w.pid));

test('slow-fsync writer: blocking_io names it, the agent lowers its I/O priority, VERIFY keeps or rolls back, nothing else touched', { skip, timeout: 150_000 }, async (t) => {
  const r = await runScenario(t, {
    workload: (dir) => fsyncWriter(path.join(dir, 'fsync.bin'), 64),
    signalTypes: ['blocking_io'],
    action: 'lower_io_priority',
    effect: ioprioOf,
    mustHelp: false,
  });
  assert.equal(r.signal.entity_type, 'process');
  assert.equal(r.signal.entity_name, 'fsync-writer');
  const p = JSON.parse(r.decision.params_json) as { io_class: string; level: number };
  assert.equal(r.effectApplied, p.io_class === 'idle' ? 'idle/0' : `${p.io_class}/${p.level}`);
});

test('heavy direct block I/O by one process: an I/O signal names it, the agent lowers its I/O priority, nothing else touched', { skip, timeout: 150_000 }, async (t) => {
  const r = await runScenario(t, {
    workload: (dir) => directWriter(path.join(dir, 'direct.bin'), 64, 256),
    signalTypes: ['blocking_io', 'io_congestion', 'block_device_saturation'],
    action: 'lower_io_priority',
    effect: ioprioOf,
    mustHelp: false,
  });
  const p = JSON.parse(r.decision.params_json) as { io_class: string; level: number };
  assert.equal(r.effectApplied, p.io_class === 'idle' ? 'idle/0' : `${p.io_class}/${p.level}`);
});
