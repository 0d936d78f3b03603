// syscall_tracer under a known workload: the child's slow calls must show up
// with its pid, the right name and a latency matching the child's own clock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { IDLE_SYSCALLS } from '../../ingest/signals/classifiers/syscall-classes.js';
import { ROOT } from '../../lib/paths.js';
import { TracerRun, Workload, buildTracers, killAll, nowEpoch, scratchDir, skipReason } from './helpers.js';

const skip = skipReason();

describe('syscall_tracer', { skip }, () => {
  before(() => buildTracers());
  after(() => killAll());

  test('reports a 50 ms nanosleep, a failed futex wait and an fsync of the child', async (t) => {
    const dir = scratchDir();
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const w = await Workload.start(['sleep', '50', 'futex', '30', 'fsync', path.join(dir, 'f'), '8192']);
    // Threshold 0.2 ms: an fsync of 8 MiB takes longer on any disk.
    const tracer = await TracerRun.start('syscall_tracer', ['--pid', String(w.pid), '--threshold-ms', '0.2']);
    t.after(() => tracer.proc.kill('SIGKILL'));
    await w.go();

    const sleepEv = await tracer.waitFor('syscall', (e) => /nanosleep/.test(e.syscall) && e.latency_ms > 40);
    const sleep = w.step('sleep');
    assert.equal(sleepEv.pid, w.pid);
    assert.equal(sleepEv.tid, w.pid);
    assert.equal(sleepEv.comm, 'workload');
    assert.equal(sleepEv.uid, 0);
    assert.equal(sleepEv.ret, 0);
    assert.equal(sleepEv.errno, undefined);
    assert.ok(sleepEv.latency_ms >= 50, `nanosleep latency ${sleepEv.latency_ms} ms < 50 ms`);
    assert.ok(Math.abs(sleepEv.latency_ms - sleep.elapsed_ms) < 5,
      `tracer ${sleepEv.latency_ms} ms vs child's own ${sleep.elapsed_ms} ms`);
    // One clock domain: the event's epoch stamp is when the child saw the call end.
    assert.ok(Math.abs(sleepEv.ts - sleep.end_epoch) < 0.05, `ts ${sleepEv.ts} vs child ${sleep.end_epoch}`);

    const futexEv = await tracer.waitFor('syscall', (e) => e.syscall === 'futex');
    assert.equal(futexEv.pid, w.pid);
    assert.equal(futexEv.ret, -110);
    assert.equal(futexEv.errno, 110); // ETIMEDOUT
    assert.ok(Math.abs(futexEv.latency_ms - w.step('futex').elapsed_ms) < 5);

    const fsyncEv = await tracer.waitFor('syscall', (e) => e.syscall === 'fsync');
    const fsync = w.step('fsync');
    assert.equal(fsyncEv.pid, w.pid);
    assert.equal(fsyncEv.ret, 0);
    assert.ok(fsyncEv.fd !== undefined && fsyncEv.fd >= 3, `fsync fd ${fsyncEv.fd}`);
    assert.ok(fsyncEv.latency_ms <= fsync.elapsed_ms + 0.5 && fsyncEv.latency_ms >= fsync.elapsed_ms - 5,
      `tracer ${fsyncEv.latency_ms} ms vs child's own ${fsync.elapsed_ms} ms`);

    const exit = await tracer.stop('SIGTERM');
    assert.equal(exit.code, 0, tracer.stderr);
    assert.ok(exit.ms < 2000, `took ${exit.ms} ms to stop`);
    assert.deepEqual(tracer.badLines, []);
    // Only the watched pid, and every line stamped in the epoch domain.
    for (const e of tracer.of('syscall')) {
      assert.equal(e.pid, w.pid);
      assert.ok(e.latency_ms >= 0.2, `below threshold: ${JSON.stringify(e)}`);
      assert.ok(Math.abs(e.ts - nowEpoch()) < 60);
    }
    assert.ok(tracer.of('tracer_stats').length >= 1, 'final tracer_stats line');
  });

  test('--skip-idle drops a slow nanosleep and a futex wait that timed out in the kernel, and keeps the fsync', async (t) => {
    const dir = scratchDir();
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    // The last fsync marks the end: events arrive in order, so once it is seen
    // both sleeps have been judged.
    const w = await Workload.start(['sleep', '50', 'fsync', path.join(dir, 'f'), '8192', 'futex', '30', 'sleep', '50', 'fsync', path.join(dir, 'g'), '8192']);
    const tracer = await TracerRun.start('syscall_tracer', ['--pid', String(w.pid), '--threshold-ms', '0.2', '--skip-idle']);
    t.after(() => tracer.proc.kill('SIGKILL'));
    await w.go();
    await tracer.waitFor('syscall', (e) => e.syscall === 'fsync' && tracer.of('syscall').filter((x) => x.syscall === 'fsync').length === 2);
    const exit = await tracer.stop('SIGTERM');
    assert.equal(exit.code, 0, tracer.stderr);
    const names = tracer.of('syscall').map((e) => e.syscall);
    assert.ok(!names.some((n) => /nanosleep|futex/.test(n)), `idle calls reported: ${names.join(' ')}`);
  });

  test('filters in the kernel by threshold and by comm, and escapes comm in JSON', async (t) => {
    const comm = 'ks"q\\x\ty';
    const w = await Workload.start(['--comm', comm, 'sleep', '3', 'sleep', '30']);
    const tracer = await TracerRun.start('syscall_tracer', ['--comm', comm, '--threshold-ms', '20', '--interval', '0.5']);
    t.after(() => tracer.proc.kill('SIGKILL'));
    await w.go();
    const ev = await tracer.waitFor('syscall', (e) => e.pid === w.pid);
    assert.equal(ev.comm, comm);
    assert.ok(ev.latency_ms >= 30 && ev.latency_ms < 40, `latency ${ev.latency_ms}`);
    await tracer.waitFor('tracer_stats', (s) => s.tracer === 'syscall_tracer' && s.interval_s > 0.4);

    const exit = await tracer.stop('SIGINT');
    assert.equal(exit.code, 0, tracer.stderr);
    assert.deepEqual(tracer.badLines, []);
    const mine = tracer.of('syscall');
    // Only the 30 ms sleep passes the 20 ms threshold; only our comm passes the filter.
    assert.equal(mine.length, 1, JSON.stringify(mine));
    const stats = tracer.of('tracer_stats');
    assert.equal(stats.reduce((n, s) => n + s.events, 0), 1);
    assert.equal(stats.reduce((n, s) => n + s.drops, 0), 0);
  });
});

test('--skip-idle skips exactly the calls the classifier calls idle', () => {
  const src = fs.readFileSync(path.join(ROOT, 'tracers', 'syscall_tracer', 'syscall_tracer.c'), 'utf8');
  const list = /idle_syscalls\[\] = \{([^}]*)\}/.exec(src);
  assert.ok(list, 'idle_syscalls[] in syscall_tracer.c');
  const inC = new Set([...list[1].matchAll(/"(\w+)"/g)].map((m) => m[1]));
  // sigsuspend has no x86_64 number: the classifier knows it for other architectures.
  const inTs = new Set([...IDLE_SYSCALLS].filter((n) => n !== 'sigsuspend'));
  assert.deepEqual([...inC].sort(), [...inTs].sort());
});
