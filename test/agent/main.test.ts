// The entry points as processes: `npm run agent` (one cycle; SIGTERM mid-cycle;
// --restore-on-exit) and `npm run actions` (list, verify the chain, undo).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { DIST } from '../../lib/paths.js';
import { AuditLog } from '../../agent/audit/audit-log.js';
import { insertSignal, tempDb, type TempDb } from '../fixtures/agent/db.js';
import { startGeminiServer } from '../fixtures/gemini-server.js';
import { spawnHog, type TestChild } from '../fixtures/agent/processes.js';
import { readPidStat } from '../../lib/procfs/pid.js';

const AGENT = path.join(DIST, 'agent', 'main.js');
const ACTIONS = path.join(DIST, 'agent', 'actions-main.js');

function agentArgs(tdb: TempDb, extra: string[]): string[] {
  return [AGENT, '--db', tdb.file, '--log-dir', path.join(tdb.dir, 'logs'), '--scope-pid', String(process.pid), '--measure', '1', '--cooldown', '0', ...extra];
}

function signalFor(tdb: TempDb, hog: TestChild): void {
  insertSignal(tdb.db, { type: 'cpu_saturation', severity: 'high', pressure: 0.9, context: { top_processes: [{ pid: hog.pid, start_time: hog.startTime, cpu_pct: 99 }] } });
}

/** A live agent (rules) on a temp database whose open signal names a fresh CPU hog; all stopped by t.after. */
async function agentOnHog(t: TestContext, extra: string[]): Promise<{ tdb: TempDb; hog: TestChild; agent: ChildProcess }> {
  const tdb = tempDb();
  const hog = await spawnHog();
  const agent = spawn(process.execPath, agentArgs(tdb, extra), { stdio: 'ignore', env: { ...process.env, GEMINI_API_KEY: '' } });
  t.after(async () => { if (agent.exitCode === null) agent.kill('SIGKILL'); await hog.stop(); tdb.cleanup(); });
  signalFor(tdb, hog);
  return { tdb, hog, agent };
}

async function waitForLog(tdb: TempDb, re: RegExp, ms = 20_000): Promise<string> {
  const file = path.join(tdb.dir, 'logs', 'agent.log');
  const end = Date.now() + ms;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (re.test(text)) return text;
    if (Date.now() > end) throw new Error(`agent.log never matched ${re}:\n${text}`);
    await sleep(100);
  }
}

test('agent --once --dry-run: one cycle, logged and audited, exit 0; actions lists it and verifies the chain', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog();
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  signalFor(tdb, hog);
  const r = await execa(process.execPath, agentArgs(tdb, ['--once', '--dry-run']), { reject: false, env: { GEMINI_API_KEY: '' } });
  assert.equal(r.exitCode, 0, r.stderr);
  const log = await waitForLog(tdb, /agent stopped/);
  for (const phase of ['observe', 'explain', 'simulate', 'decide', 'execute']) assert.match(log, new RegExp(`cycle 1 ${phase}: `));
  assert.match(log, /decider rules \(no GEMINI_API_KEY\)/);
  assert.equal(readPidStat(hog.pid)!.nice, 0);

  const list = await execa(process.execPath, [ACTIONS, '--db', tdb.file], { reject: false });
  assert.equal(list.exitCode, 0, list.stderr);
  assert.match(list.stdout, /lower_process_priority\s+t\d+ pid \d+ node\s+dry_run\s+rules/);
  const chain = await execa(process.execPath, [ACTIONS, '--db', tdb.file, '--verify-chain'], { reject: false });
  assert.equal(chain.exitCode, 0);
  assert.match(chain.stdout, /audit chain OK: 1 rows/);
  const undo = await execa(process.execPath, [ACTIONS, '--db', tdb.file, '--undo', '1'], { reject: false });
  assert.equal(undo.exitCode, 1, 'a dry-run cannot be undone');
  assert.match(undo.stdout, /nothing to undo/);
});

test('SIGTERM during VERIFY: the cycle is abandoned, the unverified change rolled back, exit 0', async (t) => {
  const { tdb, hog, agent } = await agentOnHog(t, ['--settle', '60']);
  await waitForLog(tdb, /cycle 1 execute: lower_process_priority executed/);
  assert.equal(readPidStat(hog.pid)!.nice, 10);
  const exited = once(agent, 'exit');
  agent.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
  assert.equal(readPidStat(hog.pid)!.nice, 0, 'rolled back');
  const audit = new AuditLog(tdb.db);
  const rows = audit.history(audit.decisions()[0]!.id);
  assert.deepEqual(rows.map((r) => r.status), ['executing', 'executed', 'rolled_back']);
  assert.match(rows[2]!.note!, /agent stopped before verification/);
  const cycle = tdb.db.prepare('SELECT status FROM agent_cycles WHERE id = 1').get() as { status: string };
  assert.equal(cycle.status, 'abandoned');
});

test('--restore-on-exit: a verified change is restored when the agent stops', async (t) => {
  const { tdb, hog, agent } = await agentOnHog(t, ['--settle', '1', '--restore-on-exit', '--keep-neutral']);
  await waitForLog(tdb, /cycle 1 verify: #\d+ lower_process_priority \w+ -> verified/);
  assert.equal(readPidStat(hog.pid)!.nice, 10);
  const exited = once(agent, 'exit');
  agent.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
  assert.equal(readPidStat(hog.pid)!.nice, 0, 'restored');
  const audit = new AuditLog(tdb.db);
  assert.equal(audit.latestStatus(audit.decisions()[0]!.id), 'restored');
});

test('under V8 --lite-mode (no WebAssembly, so no fetch) with a key: the rules decide that cycle, the agent keeps running and exits 0', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog();
  const server = await startGeminiServer([]);
  t.after(async () => { await hog.stop(); await server.close(); tdb.cleanup(); });
  signalFor(tdb, hog);
  const r = await execa(process.execPath, ['--lite-mode', ...agentArgs(tdb, ['--once', '--dry-run'])], {
    reject: false, env: { GEMINI_API_KEY: 'test-key', GEMINI_BASE_URL: server.url },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const log = await waitForLog(tdb, /agent stopped/);
  assert.match(log, /cycle 1 decide: rules \(fallback: this Node runtime has no WebAssembly .*\): lower_process_priority/);
  const cycle = tdb.db.prepare('SELECT decide_json FROM agent_cycles WHERE id = 1').get() as { decide_json: string };
  assert.equal(JSON.parse(cycle.decide_json).decidedBy, 'rules');
  assert.equal(server.requests.length, 0, 'no request was attempted');
});

test('kill -9 between EXECUTE and VERIFY: the next start rolls the unverified change back and audits it', async (t) => {
  const { tdb, hog, agent } = await agentOnHog(t, ['--settle', '60']);
  await waitForLog(tdb, /cycle 1 execute: lower_process_priority executed/);
  const exited = once(agent, 'exit');
  agent.kill('SIGKILL');
  await exited;
  assert.equal(readPidStat(hog.pid)!.nice, 10, 'the change survives the kill');
  // --max-actions 0: this cycle must not act on the hog again, only the reconciliation.
  const again = await execa(process.execPath, agentArgs(tdb, ['--once', '--max-actions', '0']), { reject: false, env: { GEMINI_API_KEY: '' } });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(readPidStat(hog.pid)!.nice, 0, 'rolled back at the next start');
  const audit = new AuditLog(tdb.db);
  const rows = audit.history(1);
  const rec = rows.find((r) => r.note?.startsWith('reconciled after agent restart: unverified'));
  assert.ok(rec, JSON.stringify(rows.map((r) => [r.status, r.note])));
  assert.equal(rec.status, 'rolled_back');
  assert.equal(audit.latestStatus(1), 'rolled_back');
  assert.ok(audit.verifyChain().ok);
});
