// The audit trail is append-only (triggers) and hash-chained (tampering shows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../agent/audit/audit-log.js';
import { tempDb } from '../fixtures/agent/db.js';

function fill(audit: AuditLog): void {
  const d = audit.append({ action: 'lower_process_priority', params: { target: 't1', nice: 10 }, status: 'executing', decidedBy: 'rules', priorState: { nice: 0 }, targetComm: 'evil\nname\u001b[31m' });
  audit.append({ refActionId: d.id, action: 'lower_process_priority', status: 'executed', decidedBy: 'rules' });
  audit.append({ refActionId: d.id, action: 'lower_process_priority', status: 'verified', decidedBy: 'rules', verification: { verdict: 'helped' } });
  audit.append({ action: 'set_sysctl', params: { key: 'kernel.core_pattern' }, status: 'refused', refusedRule: 'sysctl_not_allowed', decidedBy: 'model' });
}

test('rows chain by hash; UPDATE and DELETE are refused by the database', (t) => {
  const tdb = tempDb();
  t.after(() => tdb.cleanup());
  const audit = new AuditLog(tdb.db);
  fill(audit);
  const report = audit.verifyChain();
  assert.deepEqual({ ok: report.ok, rows: report.rows }, { ok: true, rows: 4 });
  assert.equal(report.headHash, audit.get(4)!.hash);
  assert.equal(audit.get(2)!.prev_hash, audit.get(1)!.hash);
  assert.equal(audit.get(1)!.target_comm, 'evil\\u000aname\\u001b[31m', 'untrusted text stored escaped');
  assert.throws(() => tdb.db.prepare("UPDATE agent_actions SET status = 'verified' WHERE id = 4").run(), /append-only/);
  assert.throws(() => tdb.db.prepare('DELETE FROM agent_actions WHERE id = 1').run(), /append-only/);
  assert.equal(audit.latestStatus(1), 'verified');
  assert.deepEqual(audit.decisions().map((r) => [r.id, r.latest_status]), [[4, 'refused'], [1, 'verified']]);
});

test('editing or removing a row (with the triggers dropped) breaks the chain at that row', (t) => {
  const tdb = tempDb();
  t.after(() => tdb.cleanup());
  const audit = new AuditLog(tdb.db);
  fill(audit);
  tdb.db.exec('DROP TRIGGER agent_actions_no_update; DROP TRIGGER agent_actions_no_delete;');
  tdb.db.prepare("UPDATE agent_actions SET justification = 'nothing to see' WHERE id = 2").run();
  const edited = audit.verifyChain();
  assert.equal(edited.ok, false);
  assert.equal(edited.brokenAt, 2);
  assert.match(edited.reason!, /edited/);

  const tdb2 = tempDb();
  t.after(() => tdb2.cleanup());
  const audit2 = new AuditLog(tdb2.db);
  fill(audit2);
  tdb2.db.exec('DROP TRIGGER agent_actions_no_delete;');
  tdb2.db.prepare('DELETE FROM agent_actions WHERE id = 2').run();
  const removed = audit2.verifyChain();
  assert.equal(removed.ok, false);
  assert.equal(removed.brokenAt, 3);
  assert.match(removed.reason!, /removed/);
});
