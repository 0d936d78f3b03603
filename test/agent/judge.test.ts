// The CPU verdict on a busy machine: load that comes and goes on CPUs the target
// cannot use must not decide whether a renice helped. The target here is pinned
// to CPU 0; another process's load on CPU 1 drops from 100% to 40% between the
// before and after windows (a package install finishing, say).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeCpu } from '../../agent/actions/judge.js';
import type { Measurement, Target } from '../../agent/actions/types.js';
import { spawnHog } from '../fixtures/agent/processes.js';

function measurement(perCpu: number[], target: { pid: number; startTime: number; cpuPct: number }): Measurement {
  const busy = perCpu.reduce((a, b) => a + b, 0);
  return {
    system: { seconds: 2, cpus: perCpu.length, busyPct: busy / perCpu.length, busyCpuPct: busy, perCpuBusyPct: perCpu, cpuStallPct: 50, swapPagesPerS: 0, listenDropsPerS: 0, procsRunning: 3 },
    processes: [{ ...target, comm: 'hog', state: 'R', ppid: 1, nice: 0, threads: 1, rssKb: 1000, isKernelThread: false, cpuDemandPct: 100, readBytesPerS: 0, writeBytesPerS: 0 }],
  } as Measurement;
}

test('a pinned target is judged on its own CPU: others there gained, whatever load left the other CPU', async (t) => {
  const hog = await spawnHog({ cpu: 0, idle: true });
  t.after(() => hog.stop());
  const target = { kind: 'process', pid: hog.pid, startTime: hog.startTime, comm: 'hog' } as Target;
  const id = { pid: hog.pid, startTime: hog.startTime };
  // CPU 0: target 50% + rival 50% before; target 10% + rival 90% after. CPU 1: 100% -> 40% (not ours).
  const j = judgeCpu(measurement([100, 100], { ...id, cpuPct: 50 }), measurement([100, 40], { ...id, cpuPct: 10 }), target);
  assert.equal(j.verdict, 'helped', j.detail);
  assert.equal(j.before, 50);
  assert.equal(j.after, 90);
  assert.match(j.detail, /others on CPU 0 \(the target's affinity\) 50%->90%/);
});

test('an unpinned target is judged on every CPU', async (t) => {
  const hog = await spawnHog({ idle: true });
  t.after(() => hog.stop());
  const target = { kind: 'process', pid: hog.pid, startTime: hog.startTime, comm: 'hog' } as Target;
  const id = { pid: hog.pid, startTime: hog.startTime };
  const j = judgeCpu(measurement([100, 100], { ...id, cpuPct: 100 }), measurement([100, 100], { ...id, cpuPct: 40 }), target);
  assert.equal(j.verdict, 'helped', j.detail);
  assert.equal(j.before, 100);
  assert.equal(j.after, 160);
});

test('with other autogroups busy a renice moves less CPU, but a clear move both ways is help; a wobble is not', async (t) => {
  const hog = await spawnHog({ idle: true });
  t.after(() => hog.stop());
  const target = { kind: 'process', pid: hog.pid, startTime: hog.startTime, comm: 'hog' } as Target;
  const id = { pid: hog.pid, startTime: hog.startTime };
  // Seen in CI while other work ran: target 86.9% -> 71.4%, others 113.1% -> 127.1%.
  const moved = judgeCpu(measurement([100, 100], { ...id, cpuPct: 86.9 }), measurement([100, 98.5], { ...id, cpuPct: 71.4 }), target);
  assert.equal(moved.verdict, 'helped', moved.detail);
  const wobble = judgeCpu(measurement([100, 100], { ...id, cpuPct: 86.9 }), measurement([100, 100], { ...id, cpuPct: 83 }), target);
  assert.equal(wobble.verdict, 'neutral', wobble.detail);
});
