// /approve and /undo from chat go through the agent's executor: its rules still
// apply (a denied target is refused even when a person approves), an approved
// decision runs and is audited as the operator's, the hash chain stays intact,
// and chat's own read-only handle never writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditLog } from '../../agent/audit/audit-log.js';
import { Executor } from '../../agent/executor/executor.js';
import { DEFAULT_EXECUTOR_CONFIG } from '../../agent/executor/types.js';
import { openDatabase } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { fillDb } from '../fixtures/chat/pipeline.js';
import { runChat } from '../fixtures/chat/run-chat.js';
import { insertSignals } from '../fixtures/chat/signals.js';
import { readPidStat } from '../../lib/procfs/pid.js';

test('pending decisions are approved through the executor, which still applies every rule', async (t) => {
  const data = await fillDb({ seconds: 2, classify: false });
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  await once(sleeper, 'spawn');
  t.after(async () => {
    if (sleeper.exitCode === null && sleeper.signalCode === null) {
      const gone = once(sleeper, 'exit');
      sleeper.kill('SIGCONT');
      sleeper.kill('SIGKILL');
      await gone;
    }
    data.cleanup();
  });
  let st = readPidStat(sleeper.pid!);
  for (let i = 0; i < 50 && st?.comm !== 'sleep'; i++) { await sleep(20); st = readPidStat(sleeper.pid!); }
  assert.equal(st?.comm, 'sleep');
  const [sigId] = insertSignals(data.file, [{ type: 'runaway_process', severity: 'high', summary: 'sleep is in the way', entity: { type: 'process', id: `${st.pid}:${st.startTime}`, name: 'sleep' } }]);

  // The agent's own API leaves two decisions for a person (pause_process needs approval).
  const db = openDatabase(data.file);
  const log = createLogger('agent', { logDir: data.dir, console: false });
  const ex = new Executor(db, { ...DEFAULT_EXECUTOR_CONFIG, scopePid: process.pid, settleMs: 300, measureMs: 300 }, log);
  const propose = () => ex.execute({
    action: 'pause_process', params: { target: 't1', duration_s: 60 }, justification: 'test: sleep is in the way',
    expectedEffect: 'less contention', confidence: 0.7, decidedBy: 'rules', signalIds: [sigId!],
  }, { cycleId: null, targets: new Map([['t1', { pid: st.pid, startTime: st.startTime, comm: 'sleep' }]]) });
  const a = await propose(), b = await propose();
  assert.equal(a.status, 'pending_approval');
  assert.equal(b.status, 'pending_approval');
  const idA = a.auditId, idB = b.auditId;
  const audit = new AuditLog(db);
  const rowsBefore = (db.prepare('SELECT COUNT(*) AS n FROM agent_actions').get() as { n: number }).n;
  const common = ['--scope-pid', String(process.pid), '--settle', '0.3', '--measure', '0.3'];

  // Questions and listings alone write nothing.
  const look = await runChat({ db: data.file, logDir: data.dir, args: common, lines: ['/actions', 'what did the agent do?', '/status'] });
  assert.equal(look.code, 0, look.stderr);
  assert.match(look.stdout, new RegExp(`#${idA} .*pause_process .*pid ${st.pid}.* -> pending_approval`));
  assert.match(look.stdout, new RegExp(`Waiting for your approval: #${idB} pause_process, #${idA} pause_process`));
  assert.match(look.stdout, new RegExp(`for \\[signal #${sigId}\\]`));
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM agent_actions').get() as { n: number }).n, rowsBefore);

  // The deny list given to chat is the executor's rule: approval does not override it.
  const denied = await runChat({ db: data.file, logDir: data.dir, args: [...common, '--deny', 'sleep'], lines: [`/approve ${idA}`] });
  assert.equal(denied.code, 0, denied.stderr);
  assert.match(denied.stdout, new RegExp(`Not done: the executor refused #${idA} \\(rule protected_target: pid ${st.pid} is protected \\(deny_list\\)\\)`));
  assert.equal(readPidStat(st.pid)!.state, 'S', 'not stopped');
  assert.ok(audit.history(idA).some((h) => h.status === 'refused' && h.refused_rule === 'protected_target' && h.decided_by === 'operator'), 'the refusal is audited');
  assert.equal(audit.latestStatus(idA), 'pending_approval', 'a refused attempt leaves the decision pending');

  const r = await runChat({ db: data.file, logDir: data.dir, args: common, lines: [`/approve ${idB}`, `/approve ${idB}`, `/approve ${idA}`, '/approve 99999', '/approve x'] });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Approved and executed #${idB}: kill\\(pid, SIGSTOP\\) for pids ${st.pid};`));
  assert.match(r.stdout, /Verification: (helped|neutral|worse|not_applied)/);
  assert.match(r.stdout, new RegExp(`refused #${idB} \\(rule not_pending: decision ${idB} is \\w+, not pending_approval\\)`), 'a decision runs once');
  assert.match(r.stdout, /Cannot approve #99999: no decision with id 99999 in the audit/);
  assert.match(r.stdout, /Usage: \/approve <id>/);

  const hist = audit.history(idB);
  const approved = hist.find((h) => h.status === 'approved');
  assert.ok(approved, 'approved row');
  assert.equal(approved.decided_by, 'operator');
  assert.match(approved.justification ?? '', /^approved by chat: test: sleep is in the way/);
  assert.ok(hist.some((h) => h.status === 'executed' && h.decided_by === 'operator'));
  const final = audit.latestStatus(idB)!;
  assert.ok(['verified', 'rolled_back'].includes(final), final);
  // Kept: the process is stopped; rolled back by VERIFY: it runs again.
  assert.equal(readPidStat(st.pid)!.state, final === 'verified' ? 'T' : 'S');
  // The other pending decision, approved right after: the executor's live-state check
  // (already stopped) or, once rolled back, the per-target cooldown refuses it.
  assert.match(r.stdout, final === 'verified'
    ? new RegExp(`refused #${idA} \\(rule already_applied: process is already stopped\\)`)
    : new RegExp(`refused #${idA} \\(rule cooldown: acted on ${st.pid}:${st.startTime} \\d+s ago`));
  assert.ok(audit.verifyChain().ok, 'hash chain intact after chat appended');

  const u = await runChat({ db: data.file, logDir: data.dir, args: common, lines: [`/undo ${idB}`] });
  assert.equal(u.code, 0, u.stderr);
  if (final === 'verified') {
    assert.match(u.stdout, new RegExp(`Undone #${idB}`));
    assert.equal(audit.latestStatus(idB), 'undone');
    assert.equal(readPidStat(st.pid)!.state, 'S', 'resumed by undo');
  } else {
    assert.match(u.stdout, /Not undone \(refused\): decision \d+ is rolled_back: nothing to undo/);
  }
  assert.ok(audit.verifyChain().ok);
  const logText = await import('node:fs').then((fs) => fs.readFileSync(path.join(data.dir, 'chat.log'), 'utf8'));
  assert.match(logText, new RegExp(`approve #${idB}: executed`));
  db.close();
  log.close();
});
