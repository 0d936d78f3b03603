// (pid, start time, boot id) is the identity of a target: an undo, a restore or an
// approval for a process that is gone, whose pid now belongs to another process,
// or that was recorded before a reboot does nothing and is audited as such.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { Executor } from '../../agent/executor/executor.js';
import { approveAction, restoreAll, undoAction } from '../../agent/executor/approvals.js';
import { bootId } from '../../agent/executor/identity.js';
import type { Proposal } from '../../agent/executor/types.js';
import { tempDb, testConfig } from '../fixtures/agent/db.js';
import { spawnHog } from '../fixtures/agent/processes.js';
import { readPidStat } from '../../lib/procfs/pid.js';

const OTHER_BOOT = '00000000-0000-4000-8000-000000000000';
const propose = (action: string, params: unknown): Proposal => ({
  action, params, justification: 'test', expectedEffect: 'test', confidence: 0.5, decidedBy: 'rules', signalIds: [],
});

/** A renice decision as the executor records it, with the prior state read in `boot`. */
function recordRenice(ex: Executor, pid: number, startTime: number, boot: string): number {
  const tf = { targetRef: 't1', targetKey: `${pid}:${startTime}`, targetPid: pid, targetStartTime: startTime, targetComm: 'node' };
  const d = ex.audit.append({ action: 'lower_process_priority', params: { target: 't1', nice: 10 }, status: 'executing', decidedBy: 'rules', priorState: { nice: 0, threads: { [pid]: 0 }, boot_id: boot }, ...tf });
  ex.audit.append({ action: 'lower_process_priority', params: { target: 't1', nice: 10 }, status: 'executed', decidedBy: 'rules', refActionId: d.id, ...tf });
  return d.id;
}

test('every recorded prior state carries the boot it was read in', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog({ idle: true });
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const ex = new Executor(tdb.db, testConfig().executor, tdb.log);
  const o = await ex.execute(propose('lower_process_priority', { target: 't1', nice: 10 }), { cycleId: null, targets: new Map([['t1', { pid: hog.pid, startTime: hog.startTime, comm: 'node' }]]) });
  assert.equal(o.status, 'executed');
  assert.equal(JSON.parse(ex.audit.get(o.status === 'executed' ? o.decisionId : 0)!.prior_state_json!).boot_id, bootId());
});

test('an undo or restore across a reboot is refused or closed, audited, and touches nothing', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog({ idle: true });
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const cfg = testConfig().executor;
  const ex = new Executor(tdb.db, cfg, tdb.log);
  const id = recordRenice(ex, hog.pid, hog.startTime, OTHER_BOOT);
  os.setPriority(hog.pid, 10); // looks applied: same pid, same start time, nice 10

  const r = await undoAction(tdb.db, id, { config: cfg, log: tdb.log });
  assert.equal(r.status, 'refused', r.note);
  assert.equal(ex.audit.get(r.auditId)!.refused_rule, 'rebooted');
  assert.match(r.note, /rebooted/);
  assert.equal(readPidStat(hog.pid)!.nice, 10, 'nothing done to the process');

  const [restored] = await restoreAll(ex, 'agent stopping');
  assert.equal(restored!.restored, false);
  assert.match(restored!.note, /rebooted/);
  assert.equal(readPidStat(hog.pid)!.nice, 10, 'nothing done to the process');
  assert.equal(ex.audit.inEffect().length, 0, 'closed: a reboot ended it');
  assert.ok(ex.audit.verifyChain().ok);
});

test('an undo whose pid now belongs to another process does nothing to it, and is audited', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog({ idle: true });
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const cfg = testConfig().executor;
  const ex = new Executor(tdb.db, cfg, tdb.log);
  // The recorded process started earlier than the one now holding its pid: a reused pid.
  const id = recordRenice(ex, hog.pid, hog.startTime - 1, bootId());
  os.setPriority(hog.pid, 10);
  const r = await undoAction(tdb.db, id, { config: cfg, log: tdb.log });
  assert.equal(r.status, 'refused', r.note);
  assert.equal(ex.audit.get(r.auditId)!.refused_rule, 'identity_mismatch');
  assert.equal(readPidStat(hog.pid)!.nice, 10, 'the new process keeps its nice');
});

test('approving a decision made before a reboot is refused and audited', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog({ idle: true });
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const cfg = testConfig().executor;
  const ex = new Executor(tdb.db, cfg, tdb.log);
  const d = ex.audit.append({ action: 'pause_process', params: { target: 't1', duration_s: 10 }, status: 'pending_approval', decidedBy: 'rules',
    priorState: { state: 'S', boot_id: OTHER_BOOT }, targetRef: 't1', targetKey: `${hog.pid}:${hog.startTime}`, targetPid: hog.pid, targetStartTime: hog.startTime, targetComm: 'node' });
  const { outcome } = await approveAction(tdb.db, d.id, { config: cfg, log: tdb.log, skipVerify: true });
  assert.equal(outcome.status, 'refused');
  assert.equal(outcome.status === 'refused' && outcome.refusal.rule, 'rebooted');
  assert.notEqual(readPidStat(hog.pid)!.state, 'T', 'not paused');
});
