// One executor policy for every path that acts: the agent writes the policy it was
// started with next to the database, and `npm run actions -- --approve` and chat's
// /approve apply it. An agent started with --deny NAME leaves no way to act on
// NAME, even for a decision that was pending before the deny list was set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { DIST } from '../../lib/paths.js';
import { AuditLog } from '../../agent/audit/audit-log.js';
import { Executor } from '../../agent/executor/executor.js';
import { operatorPolicy, parseDenyList, policyFromFlags, readPolicy, validatePolicy, writePolicy } from '../../agent/executor/policy.js';
import { DEFAULT_EXECUTOR_CONFIG } from '../../agent/executor/types.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { tempDb } from '../fixtures/agent/db.js';
import { spawnHog } from '../fixtures/agent/processes.js';
import { runChat } from '../fixtures/chat/run-chat.js';

const AGENT = path.join(DIST, 'agent', 'main.js');
const ACTIONS = path.join(DIST, 'agent', 'actions-main.js');

test('the agent\'s --deny applies to actions --approve and chat /approve: refused and audited', async (t) => {
  const tdb = tempDb();
  const victim = await spawnHog({ idle: true, comm: 'ks-victim' });
  t.after(async () => { await victim.stop(); tdb.cleanup(); });
  const logDir = path.join(tdb.dir, 'logs');

  // A decision left pending before the agent was (re)started with the deny list.
  const ex = new Executor(tdb.db, { ...DEFAULT_EXECUTOR_CONFIG, scopePid: process.pid }, tdb.log);
  const pending = await ex.execute({
    action: 'pause_process', params: { target: 't1', duration_s: 60 }, justification: 'test', expectedEffect: 'test',
    confidence: 0.5, decidedBy: 'rules', signalIds: [],
  }, { cycleId: null, targets: new Map([['t1', { pid: victim.pid, startTime: victim.startTime, comm: 'ks-victim' }]]) });
  assert.equal(pending.status, 'pending_approval');
  const id = pending.auditId;

  // No open signals: one idle cycle, and the policy it runs with is on disk.
  const agent = await execa(process.execPath, [AGENT, '--db', tdb.file, '--log-dir', logDir, '--once', '--deny', 'ks-victim',
    '--scope-pid', String(process.pid), '--settle', '0.3', '--measure', '0.3'], { reject: false, env: { GEMINI_API_KEY: '' } });
  assert.equal(agent.exitCode, 0, agent.stderr);

  const cli = await execa(process.execPath, [ACTIONS, '--db', tdb.file, '--log-dir', logDir, '--approve', String(id)], { reject: false });
  assert.match(cli.stdout, new RegExp(`refused \\(protected_target: pid ${victim.pid} is protected \\(deny_list\\)\\)`), cli.stdout);
  assert.equal(cli.exitCode, 1);
  assert.match(cli.stdout, /policy: .*policy\.json/, 'says which policy applied');
  assert.notEqual(readPidStat(victim.pid)!.state, 'T', 'not paused');

  const chat = await runChat({ db: tdb.file, logDir, lines: [`/approve ${id}`] });
  assert.equal(chat.code, 0, chat.stderr);
  assert.match(chat.stdout, new RegExp(`Not done: the executor refused #${id} \\(rule protected_target: pid ${victim.pid} is protected \\(deny_list\\)\\)`), chat.stdout);
  assert.notEqual(readPidStat(victim.pid)!.state, 'T', 'not paused');

  const audit = new AuditLog(tdb.db);
  const refusals = audit.history(id).filter((h) => h.status === 'refused' && h.refused_rule === 'protected_target' && h.decided_by === 'operator');
  assert.equal(refusals.length, 2, 'both attempts audited');
  assert.equal(audit.latestStatus(id), 'pending_approval');
  assert.ok(audit.verifyChain().ok);

  const file = path.join(tdb.dir, 'policy.json');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const written = JSON.parse(fs.readFileSync(file, 'utf8')) as { executor: { denyList: string[]; scopePid: number; settleMs: number } };
  assert.deepEqual(written.executor.denyList, ['ks-victim']);
  assert.equal(written.executor.scopePid, process.pid);
  assert.equal(written.executor.settleMs, 300);
});

test('without a policy file, actions and chat say the defaults apply', async (t) => {
  const tdb = tempDb();
  t.after(() => tdb.cleanup());
  const logDir = path.join(tdb.dir, 'logs');
  const cli = await execa(process.execPath, [ACTIONS, '--db', tdb.file, '--log-dir', logDir, '--undo', '1'], { reject: false });
  assert.match(cli.stdout, /no agent policy at .*policy\.json: the default policy applies/);
  assert.match(cli.stdout, /no decision with id 1/);
  const chat = await runChat({ db: tdb.file, logDir, lines: ['/approve 1'] });
  assert.match(chat.stdout, /no agent policy at .*policy\.json: the default policy applies/);
});

test('policy file: written 0600 and atomically, read back as written; bad values are refused with the value', (t) => {
  const tdb = tempDb();
  t.after(() => tdb.cleanup());
  const cfg = policyFromFlags({ dryRun: false, deny: 'a, b*', scopePid: 42, settleS: 2, measureS: 1, keepNeutral: true, cooldownS: 30, hourlyBudget: 3 });
  assert.deepEqual(cfg.denyList, ['a', 'b*']);
  const file = writePolicy(tdb.file, cfg);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(tdb.dir).filter((f) => f.includes('.tmp')), [], 'no temp file left');
  const back = readPolicy(tdb.file);
  assert.equal(back.found, true);
  assert.deepEqual(back.config, cfg);
  assert.match(back.notice, /deny \[a, b\*\], scope pid 42/);

  assert.throws(() => parseDenyList('ok,bad\u0007name'), /deny list entry "bad\\u0007name" is not a process name/);
  assert.throws(() => validatePolicy({ ...cfg, limits: { cooldownS: -1, hourlyBudget: 3 } }, 'x'), /cooldownS must be a number >= 0, got -1/);
  assert.throws(() => validatePolicy({ ...cfg, scopePid: 'all' }, 'x'), /scopePid must be an integer >= 1, got "all"/);
  assert.throws(() => validatePolicy({ ...cfg, denyAll: true }, 'x'), /unknown field "denyAll"/);
  fs.writeFileSync(file, JSON.stringify({ executor: { ...cfg, dryRun: 'no' } }));
  assert.throws(() => readPolicy(tdb.file), /dryRun must be true or false, got "no"/, 'a broken file is not taken for the defaults');
});

test('an operator\'s additions only narrow the agent\'s policy', (t) => {
  const tdb = tempDb();
  t.after(() => tdb.cleanup());
  writePolicy(tdb.file, { ...DEFAULT_EXECUTOR_CONFIG, denyList: ['a'], scopePid: 42 });
  const p = operatorPolicy(tdb.file, { denyList: ['b', 'a'], scopePid: 42, settleMs: 100 });
  assert.deepEqual(p.config.denyList, ['a', 'b']);
  assert.equal(p.config.settleMs, 100);
  assert.throws(() => operatorPolicy(tdb.file, { scopePid: 7 }), /scope pid 7 conflicts with the agent's policy \(scope pid 42\)/);
  fs.rmSync(path.join(tdb.dir, 'policy.json'));
  const d = operatorPolicy(tdb.file, { scopePid: 7 });
  assert.equal(d.found, false);
  assert.equal(d.config.scopePid, 7);
});
