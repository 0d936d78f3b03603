// The audit trail is append-only (triggers) and hash-chained (tampering shows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { DIST } from '../../lib/paths.js';
import { AuditLog, type AuditRow } from '../../agent/audit/audit-log.js';
import { GENESIS_HASH, rowHash } from '../../agent/audit/hash-chain.js';
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

const verifyCli = (file: string) => execa(process.execPath, [path.join(DIST, 'agent', 'actions-main.js'), '--db', file, '--verify-chain'], { reject: false });

test('--verify-chain reports rows removed from the tail, against the root-only head file', async (t) => {
  const tdb = tempDb();
  t.after(() => tdb.cleanup());
  const audit = new AuditLog(tdb.db);
  fill(audit);
  for (const f of ['audit.key', 'audit.head']) assert.equal(fs.statSync(path.join(tdb.dir, f)).mode & 0o777, 0o600, `${f} is 0600`);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(tdb.dir, 'audit.head'), 'utf8')), { id: 4, hash: audit.get(4)!.hash });
  const good = await verifyCli(tdb.file);
  assert.equal(good.exitCode, 0, good.stdout);
  tdb.db.exec('DROP TRIGGER agent_actions_no_delete;');
  tdb.db.prepare('DELETE FROM agent_actions WHERE id >= 3').run();
  assert.equal(audit.verifyChain().ok, false);
  const cut = await verifyCli(tdb.file);
  assert.notEqual(cut.exitCode, 0);
  assert.match(cut.stdout, /BROKEN.*ends at row 2.*records row 4/);
});

test('--verify-chain reports a chain rewritten without the key, even with a matching head', async (t) => {
  const tdb = tempDb();
  t.after(() => tdb.cleanup());
  const audit = new AuditLog(tdb.db);
  fill(audit);
  // The attacker edits a row and rehashes everything after it with the public (keyless) scheme.
  tdb.db.exec('DROP TRIGGER agent_actions_no_update;');
  tdb.db.prepare("UPDATE agent_actions SET justification = 'nothing to see' WHERE id = 1").run();
  let prev = GENESIS_HASH;
  for (const r of tdb.db.prepare('SELECT * FROM agent_actions ORDER BY id').all() as AuditRow[]) {
    const hash = rowHash(prev, r);
    tdb.db.prepare('UPDATE agent_actions SET prev_hash = ?, hash = ? WHERE id = ?').run(prev, hash, r.id);
    prev = hash;
  }
  fs.writeFileSync(path.join(tdb.dir, 'audit.head'), JSON.stringify({ id: 4, hash: prev }), { mode: 0o600 });
  const r = await verifyCli(tdb.file);
  assert.notEqual(r.exitCode, 0, r.stdout);
  assert.match(r.stdout, /BROKEN at row 1: .*(without the key|rewritten)/);
});

test('a lost audit key is not silently replaced: verify reports it and nothing is appended without it', (t) => {
  const tdb = tempDb();
  t.after(() => tdb.cleanup());
  fill(new AuditLog(tdb.db));
  fs.rmSync(path.join(tdb.dir, 'audit.key'));
  const audit = new AuditLog(tdb.db);
  const r = audit.verifyChain();
  assert.equal(r.ok, false);
  assert.match(r.reason ?? '', /audit key .* is missing, but the chain has keyed rows/);
  assert.throws(() => fill(audit), /audit key .* is missing but the chain has keyed rows: restore it/);
  assert.ok(!fs.existsSync(path.join(tdb.dir, 'audit.key')), 'no fresh key was made');
});
