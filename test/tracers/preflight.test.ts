// What every tracer does before and around tracing: --help, bad flags, a clear
// error and a distinct exit code when it cannot run here, and never outliving
// its parent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TRACER_BIN_DIR } from '../../lib/paths.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { TRACERS, buildTracers, killAll, skipReason, tracerPath } from './helpers.js';

const skip = skipReason();
const isRoot = process.getuid?.() === 0;
// --help, bad flags and the not-root refusal need no privileges: run them
// whenever the binaries exist, so an unprivileged run still checks something.
const built = fs.existsSync(tracerPath('syscall_tracer'));
const suiteSkip = isRoot ? skip : built ? undefined : `${skip}; binaries not built (make -C tracers)`;
const run = (tool: string, args: string[], opts: Parameters<typeof spawnSync>[2] = {}) =>
  spawnSync(tracerPath(tool), args, { encoding: 'utf8', timeout: 20_000, ...opts });

/** The tracer without its file capabilities, in a directory nobody may enter. */
function bareCopy(tool: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-bare-'));
  fs.chmodSync(dir, 0o755);
  const bin = path.join(dir, tool);
  fs.copyFileSync(tracerPath(tool), bin);
  fs.chmodSync(bin, 0o755);
  bare.push(dir);
  return bin;
}
const bare: string[] = [];

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('tracer preflight and lifecycle', { skip: suiteSkip }, () => {
  before(() => { if (isRoot) buildTracers(); });
  after(() => { killAll(); for (const d of bare) fs.rmSync(d, { recursive: true, force: true }); });

  for (const tool of TRACERS) {
    test(`${tool}: --help exits 0, a bad flag exits 2`, () => {
      const help = run(tool, ['--help']);
      assert.equal(help.status, 0);
      assert.match(String(help.stdout), /Usage: /);
      assert.match(String(help.stdout), /77 not root/);
      const bad = run(tool, ['--interval', 'soon']);
      assert.equal(bad.status, 2);
      assert.match(String(bad.stderr), /invalid --interval 'soon'/);
    });

    test(`${tool}: not root exits 77 and says how to fix it`, () => {
      // Setup gives the binaries cap_bpf,cap_perfmon: a copy carries none (file
      // capabilities live in an xattr that copying leaves behind), so nobody running
      // it has neither root nor the capabilities.
      const r = isRoot
        ? spawnSync(bareCopy(tool), [], { encoding: 'utf8', timeout: 20_000, uid: 65534, gid: 65534 })
        : run(tool, []);
      assert.equal(r.status, 77, String(r.stderr));
      assert.match(String(r.stderr), /run as root \(sudo\) or grant CAP_BPF,CAP_PERFMON/);
    });

    test(`${tool}: no BTF exits 78 naming CONFIG_DEBUG_INFO_BTF`, { skip }, () => {
      const r = run(tool, [], { env: { ...process.env, KS_BTF_PATH: '/nonexistent/vmlinux' } });
      assert.equal(r.status, 78, String(r.stderr));
      assert.match(String(r.stderr), /CONFIG_DEBUG_INFO_BTF/);
    });

    test(`${tool}: a missing tracepoint exits 78 naming it`, { skip }, () => {
      // Valid BTF without any btf_trace_* type: the BTF of a BPF object file.
      const btf = path.join(TRACER_BIN_DIR, 'bench_floor.bpf.o');
      const r = run(tool, [], { env: { ...process.env, KS_BTF_PATH: btf } });
      assert.equal(r.status, 78, String(r.stderr));
      assert.match(String(r.stderr), /tracepoint '\w+' not found in kernel BTF/);
    });
  }

  test('a tracer dies with its parent (PR_SET_PDEATHSIG)', { skip }, async (t) => {
    // sh starts the tracer, reports its pid, then is killed without a chance to clean up.
    const sh = spawn('sh', ['-c', `"${tracerPath('sched_tracer')}" >/dev/null 2>&1 & echo $!; wait`], { stdio: ['ignore', 'pipe', 'ignore'] });
    t.after(() => sh.kill('SIGKILL'));
    const pid = await new Promise<number>((resolve) => sh.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    t.after(() => { if (alive(pid)) process.kill(pid, 'SIGKILL'); });
    // Wait until it has attached (it holds BPF links), so the death signal meets the real loop.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`).includes('bpf_link'); } catch { return false; }
    })) await new Promise((r) => setTimeout(r, 50));
    assert.ok(alive(pid));
    sh.kill('SIGKILL');
    const gone = Date.now() + 5_000;
    while (alive(pid) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    // A zombie is reaped by init; what matters is that it no longer runs.
    const state = alive(pid) ? readPidStat(pid)?.state : 'gone';
    assert.ok(state === 'gone' || state === 'Z', `tracer ${pid} still running after its parent died (state ${state})`);
  });
});
