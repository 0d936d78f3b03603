// sched_tracer under a known workload: a CPU-bound child's on-CPU time must
// match the CPU time it measured itself, its naps must show as voluntary
// switches and wakeups, and its entry must be gone once it has exited.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TracerRun, Workload, buildTracers, killAll, nowEpoch, skipReason } from './helpers.js';

const skip = skipReason();

describe('sched_tracer', { skip }, () => {
  before(() => buildTracers());
  after(() => killAll());

  test('on-CPU time, switches and wakeups of a child match what it did', async (t) => {
    const tracer = await TracerRun.start('sched_tracer', ['--interval', '0.5', '--top', '1000']);
    t.after(() => tracer.proc.kill('SIGKILL'));
    const w = await Workload.start(['spin', '600', 'naps', '20', '5']);
    await w.go();
    const exitedAt = nowEpoch();
    // Two full intervals after the exit: the last switch-out has been drained.
    await tracer.waitFor('sched_summary', (s) => s.ts > exitedAt + 1.0);
    const last = tracer.of('sched_summary').at(-1)!;

    const mine = tracer.of('sched').filter((e) => e.pid === w.pid);
    assert.ok(mine.length >= 1, 'child never reported');
    const oncpu = mine.reduce((n, e) => n + e.oncpu_ms, 0);
    const cpu = w.step('naps').cpu_ms; // the child's own CLOCK_PROCESS_CPUTIME_ID
    assert.ok(cpu >= 600, `child CPU time ${cpu} ms`);
    assert.ok(Math.abs(oncpu - cpu) <= 0.1 * cpu + 20, `tracer on-CPU ${oncpu.toFixed(1)} ms vs child CPU ${cpu.toFixed(1)} ms`);

    const voluntary = mine.reduce((n, e) => n + e.voluntary, 0);
    const wakeups = mine.reduce((n, e) => n + e.wakeups, 0);
    assert.ok(voluntary >= 20, `voluntary switches ${voluntary} < 20 naps`);
    assert.ok(wakeups >= 20, `wakeups ${wakeups} < 20 naps`);
    // Named at exec: an interval that began before the exec may still say 'node'.
    assert.equal(mine.at(-1)!.comm, 'workload');
    for (const e of mine) {
      assert.ok(e.runq_p50_us <= e.runq_p95_us && e.runq_p95_us <= e.runq_p99_us && e.runq_p99_us <= e.runq_max_us,
        `percentiles out of order: ${JSON.stringify(e)}`);
    }
    // Exited processes are flushed: nothing for the child after its exit was drained.
    const late = tracer.of('sched').filter((e) => e.pid === w.pid && e.ts > exitedAt + 0.6);
    assert.deepEqual(late, []);

    for (const s of tracer.of('sched_summary')) {
      assert.ok(s.switches >= s.voluntary + s.involuntary, JSON.stringify(s));
      assert.ok(s.nr_procs >= 1);
      assert.ok(s.interval_s > 0 && s.interval_s < 1.5);
    }
    assert.ok(last.switches > 0);

    const exit = await tracer.stop('SIGTERM');
    assert.equal(exit.code, 0, tracer.stderr);
    assert.ok(exit.ms < 2000, `took ${exit.ms} ms to stop`);
    assert.deepEqual(tracer.badLines, []);
    const stats = tracer.of('tracer_stats');
    assert.ok(stats.length >= 2);
    assert.equal(stats.reduce((n, s) => n + s.drops, 0), 0);
  });
  test('--min-active-ms leaves out processes that neither ran nor waited that long, and keeps a busy one', async (t) => {
    const tracer = await TracerRun.start('sched_tracer', ['--interval', '0.5', '--top', '1000', '--min-active-ms', '1']);
    t.after(() => tracer.proc.kill('SIGKILL'));
    const w = await Workload.start(['spin', '300']);
    await w.go();
    const exitedAt = nowEpoch();
    await tracer.waitFor('sched_summary', (s) => s.ts > exitedAt + 1.0);
    const exit = await tracer.stop('SIGTERM');
    assert.equal(exit.code, 0, tracer.stderr);
    assert.ok(tracer.of('sched').some((e) => e.pid === w.pid && e.oncpu_ms >= 100), 'the spinning child is listed');
    const idle = tracer.of('sched').filter((e) => e.oncpu_ms < 1 && e.runq_max_us < 1000);
    assert.deepEqual(idle, [], 'processes below 1 ms of CPU and of run-queue wait');
    assert.ok(tracer.of('sched_summary').every((s) => s.nr_procs >= 1), 'the summary still counts every process');
  });
});
