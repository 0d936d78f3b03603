// Undoing resume_process stops a running process again, with no deadline: only an
// operator's explicit undo does that. Restore-on-exit and VERIFY leave it running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Executor } from '../../agent/executor/executor.js';
import { approveAction, restoreAll, undoAction } from '../../agent/executor/approvals.js';
import { changeFromAudit, reverse } from '../../agent/executor/reversal.js';
import type { Proposal } from '../../agent/executor/types.js';
import { tempDb, testConfig } from '../fixtures/agent/db.js';
import { spawnHog } from '../fixtures/agent/processes.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { waitFor } from '../../harness/wait.js';

const stopped = (pid: number) => /^[Tt]$/.test(readPidStat(pid)?.state ?? '');

test('a resumed process is not stopped again by restore-on-exit or VERIFY, only by an operator\'s undo', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog({ idle: true });
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  const cfg = testConfig().executor;
  const ex = new Executor(tdb.db, cfg, tdb.log);
  process.kill(hog.pid, 'SIGSTOP'); // stopped by someone
  await waitFor(() => stopped(hog.pid), 'hog stopped');

  const p: Proposal = { action: 'resume_process', params: { target: 't1' }, justification: 'test', expectedEffect: 'test', confidence: 0.5, decidedBy: 'rules', signalIds: [] };
  const pending = await ex.execute(p, { cycleId: null, targets: new Map([['t1', { pid: hog.pid, startTime: hog.startTime, comm: 'node' }]]) });
  assert.equal(pending.status, 'pending_approval');
  const { outcome } = await approveAction(tdb.db, pending.auditId, { config: cfg, log: tdb.log, skipVerify: true });
  assert.equal(outcome.status, 'executed');
  assert.equal(stopped(hog.pid), false, 'resumed');

  const [restored] = await restoreAll(ex, 'agent stopping with --restore-on-exit');
  assert.equal(restored!.status, 'refused');
  assert.equal(ex.audit.get(restored!.auditId)!.refused_rule, 'needs_operator');
  assert.equal(stopped(hog.pid), false, 'restore on exit left it running');

  const c = changeFromAudit(ex, ex.audit.get(pending.auditId)!);
  assert.ok(!('refusal' in c));
  const rolled = await reverse(ex, c, { status: 'rolled_back', reason: 'verification worse' });
  assert.equal(rolled.status, 'verify_failed', rolled.note);
  assert.equal(stopped(hog.pid), false, 'VERIFY left it running');
  assert.equal(ex.audit.latestStatus(pending.auditId), 'verify_failed', 'still in effect: the operator may undo it');

  const undone = await undoAction(tdb.db, pending.auditId, { config: cfg, log: tdb.log, by: 'test' });
  assert.equal(undone.status, 'undone', undone.note);
  assert.equal(stopped(hog.pid), true, 'the operator asked: stopped again');
  assert.ok(ex.audit.verifyChain().ok);
});
