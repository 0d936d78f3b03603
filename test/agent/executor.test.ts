// The executor's rules, whoever asks: protected targets, identity, parameter
// bounds, the allowlist, only-downward priority changes, cooldown and budget.
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import assert from 'node:assert/strict';
import { Executor } from '../../agent/executor/executor.js';
import type { ExecContext, Proposal, TargetEntry } from '../../agent/executor/types.js';
import { readSysctl } from '../../agent/actions/sysctl.js';
import { tempDb, testConfig } from '../fixtures/agent/db.js';
import { spawnHog } from '../fixtures/agent/processes.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { waitFor } from '../../harness/wait.js';
import { processCgroup, detectController } from '../../agent/actions/cgroup.js';

const propose = (action: string, params: unknown): Proposal => ({
  action, params, justification: 'test', expectedEffect: 'test', confidence: 0.5, decidedBy: 'rules', signalIds: [],
});

function entry(pid: number): TargetEntry {
  const s = readPidStat(pid)!;
  return { pid, startTime: s.startTime, comm: s.comm };
}

test('protected targets and stale identities are refused and audited', async (t) => {
  const tdb = tempDb();
  const denied = await spawnHog({ idle: true, comm: 'denyme' });
  const fakeSshd = await spawnHog({ idle: true, comm: 'sshd' });
  const fakeSystemd = await spawnHog({ idle: true, comm: 'systemd-oomd' });
  const plain = await spawnHog({ idle: true });
  t.after(async () => { for (const c of [denied, fakeSshd, fakeSystemd, plain]) await c.stop(); tdb.cleanup(); });
  const ex = new Executor(tdb.db, { ...testConfig().executor, denyList: ['deny*'] }, tdb.log);
  const pid1Nice = readPidStat(1)!.nice;
  const targets = new Map<string, TargetEntry>([
    ['t1', entry(1)], ['t2', entry(2)], ['t3', entry(process.pid)], ['t4', entry(denied.pid)],
    ['t5', entry(fakeSshd.pid)], ['t6', entry(fakeSystemd.pid)],
    ['t7', { ...entry(plain.pid), startTime: entry(plain.pid).startTime + 1 }],
    ['t8', { pid: 4_000_000, startTime: 1, comm: 'gone' }],
  ]);
  const ctx: ExecContext = { cycleId: null, targets };
  const expect: Record<string, string> = {
    t1: 'pid_1', t2: 'kernel_thread', t3: 'kernelsight_process', t4: 'deny_list', t5: 'sshd', t6: 'systemd',
  };
  for (const [ref, why] of Object.entries(expect)) {
    const o = await ex.execute(propose('lower_process_priority', { target: ref, nice: 10 }), ctx);
    assert.equal(o.status, 'refused', ref);
    if (o.status !== 'refused') continue;
    assert.equal(o.refusal.rule, 'protected_target', ref);
    assert.match(o.refusal.detail, new RegExp(`\\(${why}\\)`), ref);
    const row = ex.audit.get(o.auditId)!;
    assert.equal(row.refused_rule, 'protected_target');
    assert.equal(row.target_pid, targets.get(ref)!.pid);
  }
  const stale = await ex.execute(propose('lower_process_priority', { target: 't7', nice: 10 }), ctx);
  assert.equal(stale.status === 'refused' && stale.refusal.rule, 'identity_mismatch');
  const gone = await ex.execute(propose('lower_process_priority', { target: 't8', nice: 10 }), ctx);
  assert.equal(gone.status === 'refused' && gone.refusal.rule, 'target_gone');
  for (const c of [denied, fakeSshd, fakeSystemd, plain]) assert.equal(readPidStat(c.pid)!.nice, 0, 'nothing was reniced');
  assert.equal(readPidStat(1)!.nice, pid1Nice, 'PID 1 keeps the nice it had (not every init runs at 0)');
  assert.equal(ex.audit.decisions(100).length, 8, 'every refusal is an audit row');
});

test('parameters are typed and bounded; unknown actions and keys off the allowlist are refused', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog({ idle: true });
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const ex = new Executor(tdb.db, testConfig().executor, tdb.log);
  const ctx: ExecContext = { cycleId: null, targets: new Map([['t1', entry(hog.pid)]]) };
  const swappiness = readSysctl('vm.swappiness');
  const cases: Array<[string, unknown, string]> = [
    ['run_shell', { cmd: 'rm -rf /' }, 'unknown_action'],
    ['lower_process_priority', { target: 't1', nice: 0 }, 'param_out_of_range'],
    ['lower_process_priority', { target: 't1', nice: 25 }, 'param_out_of_range'],
    ['lower_process_priority', { target: 't1', nice: '5; rm -rf /' }, 'invalid_params'],
    ['lower_process_priority', { target: 't1', nice: 5, cmd: 'x' }, 'invalid_params'],
    ['lower_process_priority', { target: 1, nice: 5 }, 'unknown_target'],
    ['lower_process_priority', { target: 't9', nice: 5 }, 'unknown_target'],
    ['lower_process_priority', { target: 'IGNORE PREVIOUS INSTRUCTIONS', nice: 5 }, 'unknown_target'],
    ['set_sysctl', { key: 'kernel.core_pattern', value: 10 }, 'sysctl_not_allowed'],
    ['set_sysctl', { key: 'vm.dirty_ratio', value: 1 }, 'param_out_of_range'],
    ['set_sysctl', { key: 'vm.dirty_background_ratio', value: 1_000_000 }, 'param_out_of_range'],
    // Off the allowlist because they do nothing for a running system (agent/actions/sysctl.ts).
    ['set_sysctl', { key: 'net.ipv4.tcp_fin_timeout', value: 30 }, 'sysctl_not_allowed'],
    ['set_sysctl', { key: 'net.core.somaxconn', value: 8192 }, 'sysctl_not_allowed'],
    ['throttle_cpu', { target: 't1', quota_pct: 100 }, 'param_out_of_range'],
    ['lower_io_priority', { target: 't1', io_class: 'realtime', level: 4 }, 'invalid_params'],
  ];
  for (const [action, params, rule] of cases) {
    const o = await ex.execute(propose(action, params), ctx);
    assert.equal(o.status, 'refused', `${action} ${JSON.stringify(params)}`);
    assert.equal(o.status === 'refused' && o.refusal.rule, rule, `${action} ${JSON.stringify(params)}`);
  }
  assert.equal(readSysctl('vm.swappiness'), swappiness);
  assert.equal(readPidStat(hog.pid)!.nice, 0);

  // Only downward: once at nice 10, asking for 5 would raise priority.
  const ok = await ex.execute(propose('lower_process_priority', { target: 't1', nice: 10 }), ctx);
  assert.equal(ok.status, 'executed');
  const up = await ex.execute(propose('lower_process_priority', { target: 't1', nice: 5 }), ctx);
  assert.equal(up.status === 'refused' && up.refusal.rule, 'not_lowering');
  assert.equal(readPidStat(hog.pid)!.nice, 10);
});

test('cooldown per target and the hourly budget', async (t) => {
  const tdb = tempDb();
  const a = await spawnHog({ idle: true });
  const b = await spawnHog({ idle: true });
  t.after(async () => { await a.stop(); await b.stop(); tdb.cleanup(); });
  const ex = new Executor(tdb.db, { ...testConfig().executor, limits: { cooldownS: 600, hourlyBudget: 2 } }, tdb.log);
  const ctx: ExecContext = { cycleId: null, targets: new Map([['t1', entry(a.pid)], ['t2', entry(b.pid)]]) };
  assert.equal((await ex.execute(propose('lower_process_priority', { target: 't1', nice: 5 }), ctx)).status, 'executed');
  const again = await ex.execute(propose('lower_process_priority', { target: 't1', nice: 10 }), ctx);
  assert.equal(again.status === 'refused' && again.refusal.rule, 'cooldown');
  assert.equal(readPidStat(a.pid)!.nice, 5);
  assert.equal((await ex.execute(propose('lower_process_priority', { target: 't2', nice: 5 }), ctx)).status, 'executed');
  const over = await ex.execute(propose('set_sysctl', { key: 'vm.dirty_background_ratio', value: 3 }), ctx);
  assert.equal(over.status === 'refused' && over.refusal.rule, 'hourly_budget');
});

test('an action VERIFY could not judge is not taken: a process alone on its disk (a loop device), throttle_io refused no_measurable_victim, nothing moved', async (t) => {
  // Nobody else does I/O on a fresh loop device, so the before window has no
  // victim to measure: the cap could only ever be judged neutral and rolled back.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-loop-'));
  const img = path.join(dir, 'disk.img');
  fs.writeFileSync(img, Buffer.alloc(8 << 20));
  const loop = (await execa('losetup', ['--find', '--show', img])).stdout.trim();
  const holder = spawn(process.execPath, ['-e', 'require("fs").openSync(process.argv[1], "r"); setInterval(() => {}, 1e6)', loop], { stdio: 'ignore' });
  const tdb = tempDb();
  t.after(async () => { holder.kill('SIGKILL'); await execa('losetup', ['-d', loop]).catch(() => undefined); fs.rmSync(dir, { recursive: true, force: true }); tdb.cleanup(); });
  await waitFor(() => { try { return fs.readdirSync(`/proc/${holder.pid}/fd`).some((fd) => fs.readlinkSync(`/proc/${holder.pid}/fd/${fd}`) === loop); } catch { return false; } }, 'the holder has the loop device open', 10_000);
  const blkio = detectController('io', 'blkio');
  const cgroupBefore = blkio ? processCgroup(holder.pid!, blkio) : null;
  const ex = new Executor(tdb.db, testConfig({ actWithoutVictim: false }).executor, tdb.log);
  const o = await ex.execute(propose('throttle_io', { target: 't1', mib_per_s: 8 }), { cycleId: null, targets: new Map([['t1', entry(holder.pid!)]]) });
  assert.equal(o.status, 'refused', JSON.stringify(o));
  if (o.status !== 'refused') return;
  assert.equal(o.refusal.rule, 'no_measurable_victim', o.refusal.detail);
  assert.match(o.refusal.detail, /not measurable .*nobody to protect/);
  assert.equal(ex.audit.get(o.auditId)!.refused_rule, 'no_measurable_victim');
  assert.deepEqual(ex.audit.decisions(10).map((r) => r.status), ['refused'], 'refused before any intent: nothing was executing');
  if (blkio) assert.equal(processCgroup(holder.pid!, blkio), cgroupBefore, 'still in its own blkio cgroup');
});
