// page_fault_tracer under a known workload: fresh pages touched show as minor
// faults, a file read back after eviction shows major faults, and the split is
// the one the kernel reports in the child's /proc/<pid>/stat.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TracerRun, Workload, buildTracers, killAll, nowEpoch, scratchDir, skipReason } from './helpers.js';

const skip = skipReason();
const PAGES = 5000;

async function faultsOf(tracer: TracerRun, w: Workload): Promise<{ minor: number; major: number }> {
  const exitedAt = nowEpoch();
  // The exit flush lands in the interval the child died in; wait past it.
  await tracer.waitFor('page_fault_summary', (s) => s.ts > exitedAt + 1.0);
  const mine = tracer.of('page_fault').filter((e) => e.pid === w.pid);
  return {
    minor: mine.reduce((n, e) => n + e.minor, 0),
    major: mine.reduce((n, e) => n + e.major, 0),
  };
}

describe('page_fault_tracer', { skip }, () => {
  before(() => buildTracers());
  after(() => killAll());

  test('touching N fresh pages shows >= N minor faults, matching /proc/<pid>/stat', async (t) => {
    const tracer = await TracerRun.start('page_fault_tracer', ['--interval', '0.5', '--top', '1000']);
    t.after(() => tracer.proc.kill('SIGKILL'));
    const w = await Workload.start(['touch', String(PAGES), 'stat']);
    await w.go();
    const got = await faultsOf(tracer, w);
    const stat = w.step('stat'); // the kernel's own counters, read by the child at its end

    assert.ok(got.minor >= PAGES, `minor ${got.minor} < ${PAGES} pages touched`);
    assert.ok(got.minor >= stat.minflt && got.minor <= stat.minflt + 50,
      `minor ${got.minor} vs /proc/<pid>/stat minflt ${stat.minflt} (only exit-time faults may follow)`);
    assert.equal(got.major, stat.majflt);

    const exit = await tracer.stop('SIGTERM');
    assert.equal(exit.code, 0, tracer.stderr);
    assert.ok(exit.ms < 2000, `took ${exit.ms} ms to stop`);
    assert.deepEqual(tracer.badLines, []);
    for (const s of tracer.of('page_fault_summary')) {
      const lines = tracer.of('page_fault').filter((e) => e.ts === s.ts);
      assert.ok(lines.length <= s.nr_procs);
      assert.ok(lines.reduce((n, e) => n + e.minor, 0) <= s.minor);
    }
    assert.ok(tracer.of('tracer_stats').every((s) => s.drops === 0));
  });

  test('reading an evicted file shows major faults, split as the kernel counts them', async (t) => {
    const dir = scratchDir();
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'cold');
    fs.writeFileSync(file, Buffer.alloc(16 << 20, 7));
    const tracer = await TracerRun.start('page_fault_tracer', ['--interval', '0.5', '--top', '1000']);
    t.after(() => tracer.proc.kill('SIGKILL'));
    const w = await Workload.start(['mapread', file, 'stat']);
    await w.go();
    const got = await faultsOf(tracer, w);
    const stat = w.step('stat');

    assert.ok(stat.majflt >= 1, `precondition: the child saw no major fault (${JSON.stringify(stat)}); eviction failed`);
    assert.equal(got.major, stat.majflt, `major ${got.major} vs /proc/<pid>/stat majflt ${stat.majflt}`);
    assert.ok(got.minor >= stat.minflt && got.minor <= stat.minflt + 50,
      `minor ${got.minor} vs /proc/<pid>/stat minflt ${stat.minflt}`);
    const exit = await tracer.stop('SIGTERM');
    assert.equal(exit.code, 0, tracer.stderr);
    assert.deepEqual(tracer.badLines, []);
  });
});
