// VERIFY's noise test on the victims' harm (agent/actions/judge.ts): an effect
// counts only beyond 3 standard errors, a minimum change and 10% of the level;
// the target's own loss and its siblings' gain are not in the metric at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, HARMS, judgeCpu, judgeHarm, judgeIo, settleSwitchback, stats } from '../../agent/actions/judge.js';
import type { Measurement, Target } from '../../agent/actions/types.js';
import type { HarmSlice } from '../../agent/proc/harm.js';

const target = { kind: 'process', ref: 't1', pid: 101, startTime: 1, comm: 'worker', members: [{ pid: 101, startTime: 1 }, { pid: 102, startTime: 1 }] } as Target;

function m(slices: Array<Partial<HarmSlice>>, cpu: Record<number, number> = {}, io: { r: number; w: number } = { r: 0, w: 0 }): Measurement {
  return {
    system: { seconds: 3, cpus: 2, busyPct: 100, busyCpuPct: 200, perCpuBusyPct: [100, 100], cpuStallPct: 90, swapPagesPerS: 0, listenDropsPerS: 0, procsRunning: 5 },
    processes: Object.entries(cpu).map(([pid, cpuPct]) => ({ pid: Number(pid), startTime: 1, comm: 'worker', state: 'R', ppid: 100, nice: 0, threads: 1, rssKb: 1, isKernelThread: false, cpuPct, cpuDemandPct: 100, readBytesPerS: 0, writeBytesPerS: 0 })),
    harm: { sliceMs: 500, slices: slices.map((s) => ({ othersRunDelayMsPerS: 0, ...s })), devices: ['vda'], workloadReadBps: io.r, workloadWriteBps: io.w },
  };
}
const delays = (...xs: number[]) => xs.map((x) => ({ othersRunDelayMsPerS: x }));

test('the confounded case: the workload redistributes CPU among its own workers, the bystander waits as before: neutral', () => {
  // Worker 101 lost 60 points, worker 102 gained them (the old metric called this "others +60").
  const before = m(delays(400, 420, 390, 410, 405, 395), { 101: 100, 102: 100 });
  const after = m(delays(410, 400, 415, 395, 405, 400), { 101: 40, 102: 160 });
  const j = judgeCpu(before, after, target);
  assert.equal(j.verdict, 'neutral', j.detail);
  assert.equal(j.metric, 'othersRunDelayMsPerS');
  assert.match(j.detail, /not part of the verdict/);
});

test('a clear fall in the victims\' run-queue wait, beyond the noise: helped, with effect, sigma and windows', () => {
  const j = judgeCpu(m(delays(400, 420, 390, 410, 405, 395)), m(delays(60, 80, 70, 65, 75, 70)), target);
  assert.equal(j.verdict, 'helped', j.detail);
  assert.ok(j.effect! > 300 && j.sigma! > 0 && j.threshold! >= 3 * j.sigma!);
  assert.equal(j.windows?.before?.n, 6);
  assert.ok(j.control);
});

test('a fall inside the noise is not help: a noisy before window needs a bigger effect', () => {
  const noisy = m(delays(100, 700, 150, 650, 200, 600));
  const j = judgeHarm(noisy, m(delays(200, 210, 190, 205, 195, 200)), HARMS.runDelay);
  assert.equal(j.verdict, 'neutral', j.detail);
  assert.ok(j.ambiguous, 'between 1 and 3 sigma: a switchback decides');
});

test('an after window far noisier than the before window (a burst from elsewhere on a busy host) is ambiguous: a switchback decides', () => {
  // CI, page-fault storm: 822±74 -> 705±819 ms/s was called neutral and rolled back.
  const j = judgeHarm(m(delays(750, 900, 800, 850, 760, 872)), m(delays(150, 120, 200, 180, 2300, 1280)), HARMS.runDelay);
  assert.equal(j.verdict, 'neutral', j.detail);
  assert.ok(j.ambiguous, j.detail);
  assert.match(j.detail, /noisier than the before window/);
  const calm = judgeHarm(m(delays(750, 900, 800, 850, 760, 872)), m(delays(790, 860, 820, 800, 840, 810)), HARMS.runDelay);
  assert.equal(calm.ambiguous, false, 'an after window as calm as the before window, with no effect, is plain neutral');
});

test('a rise beyond the noise is worse', () => {
  const j = judgeHarm(m(delays(50, 55, 45, 50, 52, 48)), m(delays(300, 320, 310, 290, 305, 300)), HARMS.runDelay);
  assert.equal(j.verdict, 'worse', j.detail);
});

test('I/O actions are judged on the other direction on the workload\'s disks; with no victim I/O, neutral', () => {
  const reads = (...xs: number[]) => xs.map((x) => ({ readAwaitMs: x, ioStallPct: 80 }));
  const j = judgeIo(m(reads(20, 22, 19, 21, 20, 20), {}, { r: 0, w: 50e6 }), m(reads(2, 3, 2, 2, 3, 2), {}, { r: 0, w: 5e6 }));
  assert.equal(j.metric, 'readAwaitMs');
  assert.equal(j.verdict, 'helped', j.detail);
  const none = judgeIo(m([{ ioStallPct: 80 }, { ioStallPct: 82 }, { ioStallPct: 79 }, { ioStallPct: 81 }], {}, { r: 0, w: 50e6 }), m([{ ioStallPct: 80 }, { ioStallPct: 81 }, { ioStallPct: 80 }, { ioStallPct: 79 }]));
  assert.equal(none.metric, 'readAwaitMs');
  assert.equal(none.verdict, 'neutral');
  assert.match(none.detail, /no other reads .*nobody to protect/);
});

test('switchback: two comparisons that each lower the harm beyond their own noise are pooled; a drift that only flattered the first is not', () => {
  const w = (...xs: number[]) => stats(m(delays(...xs)).harm, 'othersRunDelayMsPerS');
  const cmp = (a: number[], b: number[]) => compare(w(...a), w(...b), HARMS.runDelay, '');
  // A busy host (this machine with CPU bursts from another session): 996 -> 484 and
  // off 912 -> on 500 ms/s, each just under its own 3σ; together well beyond it.
  const first = cmp([1400, 700, 1300, 650, 1200, 726], [800, 200, 750, 150, 700, 306]);
  const sb = cmp([1200, 650, 1150, 600, 1100, 770], [750, 250, 700, 230, 800, 270]);
  assert.equal(first.verdict, 'neutral', first.detail);
  assert.equal(sb.verdict, 'neutral', sb.detail);
  const pooled = settleSwitchback(first, sb, HARMS.runDelay);
  assert.equal(pooled.verdict, 'helped', pooled.how);
  assert.ok(pooled.sigma! < Math.min(first.sigma!, sb.sigma!), 'the mean of two estimates has less noise than either');

  // Drift: the harm fell on its own before VERIFY; switching the action off does not bring it back.
  const flat = cmp([500, 480, 520, 510, 490, 500], [495, 505, 490, 510, 500, 500]);
  assert.equal(settleSwitchback(first, flat, HARMS.runDelay).verdict, 'neutral');

  // Off vs on alone passes: helped; on worse than off: worse.
  assert.equal(settleSwitchback(first, cmp([900, 920, 880, 910, 905, 895], [100, 120, 90, 110, 105, 95]), HARMS.runDelay).verdict, 'helped');
  assert.equal(settleSwitchback(first, cmp([100, 120, 90, 110, 105, 95], [900, 920, 880, 910, 905, 895]), HARMS.runDelay).verdict, 'worse');
});
