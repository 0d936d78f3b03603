// io_latency_tracer under a known workload: dd with O_DIRECT writes a known
// number of blocks, which must come back as that many write I/Os and bytes on
// the right disk; a single I/O must report its own latency as every percentile.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TracerRun, buildTracers, diskOf, killAll, nowEpoch, scratchDir, skipReason } from './helpers.js';

const skip = skipReason();

/** Runs dd once the tracer watches its pid: `sh` waits for a line, then execs dd (same pid). */
async function ddUnder(dir: string, ddArgs: string[], tracerArgs: string[]): Promise<{ tracer: TracerRun; pid: number; doneAt: number }> {
  const sh = spawn('sh', ['-c', 'read go; exec dd "$@" status=none', 'sh', ...ddArgs], { stdio: ['pipe', 'ignore', 'pipe'], cwd: dir });
  let stderr = '';
  sh.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((r) => sh.once('exit', (code) => r(code)));
  try {
    const tracer = await TracerRun.start('io_latency_tracer', ['--pid', String(sh.pid), ...tracerArgs]);
    sh.stdin!.end('go\n');
    const code = await exited;
    assert.equal(code, 0, `dd failed: ${stderr}`);
    return { tracer, pid: sh.pid!, doneAt: nowEpoch() };
  } finally {
    if (sh.exitCode === null) sh.kill('SIGKILL');
  }
}

describe('io_latency_tracer', { skip }, () => {
  before(() => buildTracers());
  after(() => killAll());

  test('dd oflag=direct writes show up with matching count and bytes on the right disk', async (t) => {
    const dir = scratchDir();
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const disk = diskOf(dir);
    const { tracer, pid, doneAt } = await ddUnder(dir,
      ['if=/dev/zero', 'of=out', 'bs=64k', 'count=200', 'oflag=direct'], ['--interval', '0.5']);
    t.after(() => tracer.proc.kill('SIGKILL'));
    await tracer.waitFor('tracer_stats', (s) => s.ts > doneAt + 0.6);
    const exit = await tracer.stop('SIGTERM');
    assert.equal(exit.code, 0, tracer.stderr);
    assert.ok(exit.ms < 2000, `took ${exit.ms} ms to stop`);
    assert.deepEqual(tracer.badLines, []);

    const writes = tracer.of('io_latency').filter((e) => e.dev === disk && e.op === 'write');
    const count = writes.reduce((n, e) => n + e.count, 0);
    const bytes = writes.reduce((n, e) => n + e.bytes, 0);
    assert.equal(bytes, 200 * 65536, `bytes ${bytes} on ${disk}: ${JSON.stringify(tracer.of('io_latency'))}`);
    assert.equal(count, 200, `write count ${count} on ${disk}`);
    for (const e of writes) {
      assert.equal(e.top_pid, pid);
      assert.equal(e.top_comm, 'dd');
      assert.ok(e.p50_us > 0 && e.p50_us <= e.p95_us && e.p95_us <= e.p99_us && e.p99_us <= e.max_us,
        `percentiles out of order: ${JSON.stringify(e)}`);
      // interval_s is printed to the ms, iops from the exact interval.
      assert.ok(Math.abs(e.iops * e.interval_s - e.count) <= 0.002 * e.count + 0.01, JSON.stringify(e));
    }
    // Nothing but this process's I/O passes the --pid filter (it may also read
    // the dd binary in before exec, under the same pid).
    for (const e of tracer.of('io_latency')) assert.equal(e.top_pid, pid, JSON.stringify(e));
  });

  test('a single I/O reports its own latency as p50, p95, p99 and max', async (t) => {
    const dir = scratchDir();
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const disk = diskOf(dir);
    fs.writeFileSync(path.join(dir, 'in'), Buffer.alloc(65536, 1));
    const { tracer, doneAt } = await ddUnder(dir,
      ['if=in', 'of=/dev/null', 'bs=64k', 'count=1', 'iflag=direct'], ['--interval', '0.5']);
    t.after(() => tracer.proc.kill('SIGKILL'));
    await tracer.waitFor('tracer_stats', (s) => s.ts > doneAt + 0.6);
    const exit = await tracer.stop('SIGTERM');
    assert.equal(exit.code, 0, tracer.stderr);

    const reads = tracer.of('io_latency').filter((e) => e.dev === disk && e.op === 'read');
    assert.equal(reads.length, 1, JSON.stringify(tracer.of('io_latency')));
    const [r] = reads;
    assert.equal(r.count, 1);
    assert.equal(r.bytes, 65536);
    // Exact for small counts: not the lower edge of a log2 bucket.
    assert.ok(r.max_us > 0);
    for (const p of [r.p50_us, r.p95_us, r.p99_us, r.mean_us]) assert.ok(Math.abs(p - r.max_us) < 0.002, JSON.stringify(r));
  });
});
