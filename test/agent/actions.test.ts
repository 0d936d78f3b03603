// Each reversible action for real, and its way back: sysctl (rolled back by VERIFY
// when the metric got worse, undone by id, left alone when someone else changed
// it since), CPU quota through the host's cgroup (a child of the target's own), I/O priority, pause/resume
// through approval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { Executor } from '../../agent/executor/executor.js';
import { approveAction, expireElapsed, undoAction } from '../../agent/executor/approvals.js';
import { verifyExecuted } from '../../agent/executor/verify-change.js';
import type { ExecContext, Proposal, TargetEntry } from '../../agent/executor/types.js';
import { readSysctl, sysctlPath } from '../../agent/actions/sysctl.js';
import { childGroup, detectCpuCgroup, processCgroup } from '../../agent/actions/cgroup.js';
import { readIoPrio } from '../../agent/actions/ionice.js';
import { tempDb, testConfig } from '../fixtures/agent/db.js';
import { spawnHog } from '../fixtures/agent/processes.js';
import { listPids, readCmdline, readPidStat } from '../../lib/procfs/pid.js';
import { descendants } from '../../lib/procfs/tree.js';
import { pause } from '../../agent/actions/signal.js';
import { waitFor } from '../../harness/wait.js';

const propose = (action: string, params: unknown): Proposal => ({
  action, params, justification: 'test', expectedEffect: 'test', confidence: 0.5, decidedBy: 'rules', signalIds: [],
});
const entry = (pid: number): TargetEntry => ({ pid, startTime: readPidStat(pid)!.startTime, comm: readPidStat(pid)!.comm });

/** Restore a sysctl whatever happens in the test. */
function guardSysctl(t: { after(fn: () => void): void }, key: string): number {
  const v = readSysctl(key)!;
  t.after(() => { if (readSysctl(key) !== v) fs.writeFileSync(sysctlPath(key), String(v)); });
  return v;
}

test('sysctl: prior value recorded; VERIFY rolls back when dirty page cache rose after the change', async (t) => {
  const tdb = tempDb();
  const key = 'vm.dirty_background_ratio';
  const prior = guardSysctl(t, key);
  guardSysctl(t, 'vm.dirty_background_bytes');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-dirty-'));
  t.after(() => { fs.rmSync(dir, { recursive: true, force: true }); tdb.cleanup(); });
  const ex = new Executor(tdb.db, testConfig().executor, tdb.log);
  const value = prior >= 15 ? 12 : 15;
  const o = await ex.execute(propose('set_sysctl', { key, value }), { cycleId: null, targets: new Map() });
  assert.equal(o.status, 'executed');
  assert.equal(readSysctl(key), value, 'applied to /proc/sys');
  const decision = ex.audit.get(o.status === 'executed' ? o.decisionId : 0)!;
  const { boot_id: boot, ...recorded } = JSON.parse(decision.prior_state_json!) as Record<string, unknown>;
  assert.deepEqual(recorded, { value: prior, pair: { key: 'vm.dirty_background_bytes', value: readSysctl('vm.dirty_background_bytes') } });
  assert.equal(boot, fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), 'recorded with the boot it was read in');

  // During VERIFY, 768 MiB of buffered writes pile up as dirty page cache (below any writeback threshold on a large box).
  const writer = execa('dd', ['if=/dev/zero', `of=${path.join(dir, 'dirty')}`, 'bs=1M', 'count=768', 'status=none']);
  const [v] = await verifyExecuted(ex, o.status === 'executed' ? [o] : [], null);
  await writer;
  t.diagnostic(JSON.stringify(v!.verification));
  assert.equal(v!.verdict, 'worse');
  assert.equal(v!.status, 'rolled_back');
  assert.equal(readSysctl(key), prior, 'prior value restored');
  const rows = ex.audit.history(v!.decisionId).map((r) => r.status);
  assert.deepEqual(rows, ['executing', 'executed', 'rolled_back']);
});

test('an action that made no measurable difference is rolled back (the default)', async (t) => {
  const tdb = tempDb();
  const idle = await spawnHog({ idle: true });
  t.after(async () => { await idle.stop(); tdb.cleanup(); });
  const ex = new Executor(tdb.db, { ...testConfig().executor, keepNeutral: false }, tdb.log);
  const o = await ex.execute(propose('lower_process_priority', { target: 't1', nice: 7 }), { cycleId: null, targets: new Map([['t1', entry(idle.pid)]]) });
  assert.equal(o.status, 'executed');
  assert.equal(readPidStat(idle.pid)!.nice, 7);
  // The judge is the real one's contract, pinned to "neutral" so a noisy shared host
  // cannot turn this into "helped" or "worse": what is tested is what VERIFY does with it.
  const executed = o.status === 'executed' ? o : assert.fail('not executed');
  const neutral = { ...executed, handler: { ...executed.handler, judge: () => ({ verdict: 'neutral' as const, metric: 'others_cpu_pct', before: 10, after: 10, detail: 'no change' }) } };
  const [v] = await verifyExecuted(ex, [neutral], null);
  assert.equal(v!.verdict, 'neutral');
  assert.equal(v!.status, 'rolled_back');
  assert.equal(readPidStat(idle.pid)!.nice, 0, 'prior nice restored');
  assert.match(ex.audit.history(v!.decisionId).at(-1)!.note ?? '', /did not help/);
});

test('sysctl: undo by id restores; a value someone else changed since is left alone', async (t) => {
  const tdb = tempDb();
  const key = 'vm.dirty_background_ratio';
  const prior = guardSysctl(t, key);
  guardSysctl(t, 'vm.dirty_background_bytes');
  t.after(() => tdb.cleanup());
  const ex = new Executor(tdb.db, testConfig().executor, tdb.log);
  const ctx: ExecContext = { cycleId: null, targets: new Map() };
  const first = await ex.execute(propose('set_sysctl', { key, value: prior === 5 ? 6 : 5 }), ctx);
  assert.equal(first.status, 'executed');
  const u = await undoAction(tdb.db, first.status === 'executed' ? first.decisionId : 0, { log: tdb.log, config: testConfig().executor });
  assert.equal(u.status, 'undone');
  assert.equal(readSysctl(key), prior);
  const again = await undoAction(tdb.db, first.status === 'executed' ? first.decisionId : 0, { log: tdb.log });
  assert.equal(again.status, 'refused', 'cannot undo twice');

  const second = await ex.execute(propose('set_sysctl', { key, value: prior === 7 ? 8 : 7 }), ctx);
  assert.equal(second.status, 'executed');
  fs.writeFileSync(sysctlPath(key), String(prior === 9 ? 11 : 9)); // someone else tunes it meanwhile
  const u2 = await undoAction(tdb.db, second.status === 'executed' ? second.decisionId : 0, { log: tdb.log });
  assert.equal(u2.status, 'refused');
  assert.match(u2.note, /no longer in effect/);
  assert.equal(readSysctl(key), prior === 9 ? 11 : 9, 'their value was not overwritten');
});

test('throttle_cpu: a process sharing its cgroup goes into a child of it with a quota, and back on undo', async (t) => {
  const cg = detectCpuCgroup();
  if (!cg) { t.skip('no cgroup hierarchy with the cpu controller on this host'); return; }
  if (cg.version === 'v2') { t.skip('on v2 a shared cgroup is refused; see throttle-cgroup.test.ts'); return; }
  const tdb = tempDb();
  const hog = await spawnHog({ rootCgroup: true }); // shares the root cpu cgroup with everything
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const original = processCgroup(hog.pid, cg)!;
  const ex = new Executor(tdb.db, testConfig().executor, tdb.log);
  const o = await ex.execute(propose('throttle_cpu', { target: 't1', quota_pct: 30 }), { cycleId: null, targets: new Map([['t1', entry(hog.pid)]]) });
  assert.equal(o.status, 'executed', JSON.stringify(o));
  const group = childGroup(original, hog.pid, hog.startTime);
  assert.equal(processCgroup(hog.pid, cg), group);
  const dir = path.join(cg.mount, group);
  assert.equal(fs.readFileSync(path.join(dir, 'cpu.cfs_quota_us'), 'utf8').trim(), '30000');
  const u = await undoAction(tdb.db, o.status === 'executed' ? o.decisionId : 0, { log: tdb.log });
  assert.equal(u.status, 'undone', u.note);
  assert.equal(processCgroup(hog.pid, cg), original);
  assert.equal(fs.existsSync(dir), false, 'our cgroup is removed');
});

test('lower_io_priority: ionice applied through argv, restored on undo', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog({ idle: true });
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const before = await readIoPrio(hog.pid);
  const ex = new Executor(tdb.db, testConfig().executor, tdb.log);
  const o = await ex.execute(propose('lower_io_priority', { target: 't1', io_class: 'idle', level: 7 }), { cycleId: null, targets: new Map([['t1', entry(hog.pid)]]) });
  assert.equal(o.status, 'executed', JSON.stringify(o));
  assert.deepEqual(await readIoPrio(hog.pid), { cls: 'idle', level: 0 });
  const u = await undoAction(tdb.db, o.status === 'executed' ? o.decisionId : 0, { log: tdb.log });
  assert.equal(u.status, 'undone', u.note);
  assert.deepEqual(await readIoPrio(hog.pid), before);
});

test('pause needs approval; approval re-runs the rules and acts; undo resumes', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog();
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const cfg = testConfig().executor;
  const ex = new Executor(tdb.db, cfg, tdb.log);
  const o = await ex.execute(propose('pause_process', { target: 't1', duration_s: 60 }), { cycleId: null, targets: new Map([['t1', entry(hog.pid)]]) });
  assert.equal(o.status, 'pending_approval');
  assert.match(readPidStat(hog.pid)!.state, /^[RS]$/, 'not paused without approval');
  const id = o.status === 'pending_approval' ? o.auditId : 0;
  const a = await approveAction(tdb.db, id, { log: tdb.log, config: cfg, by: 'test', skipVerify: true });
  assert.equal(a.outcome.status, 'executed');
  assert.equal(readPidStat(hog.pid)!.state, 'T', 'stopped');
  const twice = await approveAction(tdb.db, id, { log: tdb.log, config: cfg });
  assert.equal(twice.outcome.status === 'refused' && twice.outcome.refusal.rule, 'not_pending');
  const u = await undoAction(tdb.db, id, { log: tdb.log, config: cfg, by: 'test' });
  assert.equal(u.status, 'undone', u.note);
  assert.notEqual(readPidStat(hog.pid)!.state, 'T', 'resumed');
  assert.deepEqual(ex.audit.history(id).map((r) => r.status), ['pending_approval', 'approved', 'executed', 'refused', 'undone']);
  assert.ok(ex.audit.verifyChain().ok);
});

test('an approved pause is resumed once its duration has elapsed', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog({ idle: true });
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const cfg = testConfig().executor;
  const ex = new Executor(tdb.db, cfg, tdb.log);
  const o = await ex.execute(propose('pause_process', { target: 't1', duration_s: 30 }), { cycleId: null, targets: new Map([['t1', entry(hog.pid)]]) });
  const id = o.status === 'pending_approval' ? o.auditId : 0;
  assert.equal((await approveAction(tdb.db, id, { log: tdb.log, config: cfg, skipVerify: true })).outcome.status, 'executed');
  assert.equal(readPidStat(hog.pid)!.state, 'T');
  assert.deepEqual(await expireElapsed(ex), [], 'not yet');
  const [r] = await expireElapsed(ex, Date.now() / 1000 + 31);
  assert.equal(r!.status, 'restored');
  assert.notEqual(readPidStat(hog.pid)!.state, 'T', 'resumed');
  assert.equal(ex.audit.latestStatus(id), 'restored');
});

test('approval of a process that is no longer the same is refused', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog({ idle: true });
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const cfg = testConfig().executor;
  const ex = new Executor(tdb.db, cfg, tdb.log);
  const o = await ex.execute(propose('terminate_process', { target: 't1' }), { cycleId: null, targets: new Map([['t1', entry(hog.pid)]]) });
  assert.equal(o.status, 'pending_approval');
  await hog.stop();
  const a = await approveAction(tdb.db, o.status === 'pending_approval' ? o.auditId : 0, { log: tdb.log, config: cfg });
  assert.equal(a.outcome.status === 'refused' && a.outcome.refusal.rule, 'target_gone');
});

test('a pause is resumed at its deadline by its watchdog, with no agent running; rollback cancels the watchdog', async (t) => {
  const hog = await spawnHog({ idle: true });
  t.after(async () => { process.kill(hog.pid, 'SIGCONT'); await hog.stop(); });
  const target = { kind: 'process' as const, ref: 't1', pid: hog.pid, startTime: hog.startTime, comm: 'node' };
  const params = { target: 't1', duration_s: 1 };
  const prior = await pause.readPrior(target, params);
  assert.match(String(prior.watchdog), /^[0-9a-f]{24}$/, 'the watchdog is recorded with the prior state');
  await pause.apply(target, params, prior);
  assert.equal(readPidStat(hog.pid)!.state, 'T');
  // The watchdog is not in our process tree: stopping the agent's tree (the
  // supervisor's stop, SIGKILL after the grace period) cannot end it.
  const watchdog = listPids().find((p) => readCmdline(p).includes(String(prior.watchdog)));
  assert.ok(watchdog, 'the watchdog runs');
  assert.ok(!descendants(process.pid).some((d) => d.pid === watchdog), 'the watchdog is no descendant of the process that paused');
  // Nothing of the agent runs from here on (no expireElapsed, no loop).
  await waitFor(() => readPidStat(hog.pid)!.state !== 'T', 'the watchdog resumes the process', 10_000);

  const prior2 = await pause.readPrior(target, params);
  await pause.apply(target, params, prior2);
  await pause.rollback!(target, params, prior2);
  process.kill(hog.pid, 'SIGSTOP'); // an operator stops it by hand afterwards
  await sleep(2500);
  assert.equal(readPidStat(hog.pid)!.state, 'T', 'the cancelled watchdog did not resume it');
});
