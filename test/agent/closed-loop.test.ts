// The loop against real processes: a CPU hog named by a cpu_saturation signal is
// found, reniced (checked in /proc), verified, audited; dry-run changes nothing;
// a target that undoes the renice fails verification until the breaker trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { AgentLoop } from '../../agent/loop.js';
import { agentDecisions } from '../../chat/tools/agent-actions.js';
import { DIST } from '../../lib/paths.js';
import { restoreAll } from '../../agent/executor/approvals.js';
import type { AuditRow } from '../../agent/audit/audit-log.js';
import { insertCpuSeries, insertSignal, tempDb, testConfig } from '../fixtures/agent/db.js';
import { placeInTestGroup, spawnHog, type TestChild } from '../fixtures/agent/processes.js';
import { startProbe } from '../fixtures/agent/latency-probe.js';
import { readPidStat } from '../../lib/procfs/pid.js';

function cpuSignal(db: import('../../lib/db.js').Db, hog: TestChild): number {
  return insertSignal(db, {
    type: 'cpu_saturation', severity: 'high', pressure: 0.9,
    context: { busy_pct: 97, top_processes: [{ pid: hog.pid, start_time: hog.startTime, comm: 'node', cpu_pct: 50 }] },
  });
}

test('cpu hog: the agent renices the process burning the CPU, verifies, audits, and restores', async (t) => {
  const tdb = tempDb();
  // Two hogs share CPU 0: the one the signal names, and a competitor it starves.
  const hog = await spawnHog({ cpu: 0 });
  // Its own name: an identical command line from the same parent would make it the same workload.
  const rival = await spawnHog({ cpu: 0, comm: 'ks-rival' });
  t.after(async () => { await hog.stop(); await rival.stop(); tdb.cleanup(); });
  const sid = cpuSignal(tdb.db, hog);
  insertCpuSeries(tdb.db, 20, 60, 97);

  const loop = new AgentLoop(tdb.db, testConfig(), tdb.log);
  const r = await loop.runCycle();
  assert.equal(r.status, 'ok', r.error);
  const ref = r.observation!.targets.find((x) => x.pid === hog.pid)!.ref;
  const cause = r.causes![0]!;
  assert.equal(cause.kind, 'cpu_hog');
  assert.equal(cause.targetRef, ref, 'the cause names the process the signal points at');
  assert.ok(r.simulation!.projections.cpu_busy_pct!.slopePerMin > 0, 'SIMULATE sees the rising trend');

  const p = r.decision!.proposals[0]!;
  assert.equal(r.decision!.decidedBy, 'rules');
  assert.equal(p.action, 'lower_process_priority');
  assert.deepEqual(p.params, { target: ref, nice: 10 });
  assert.match(p.justification, new RegExp(`#${sid}`), 'justification cites the signal id');
  assert.ok(p.confidence > 0 && p.confidence < 1, `confidence ${p.confidence} comes from evidence`);

  assert.equal(readPidStat(hog.pid)!.nice, 10, 'nice changed in /proc');
  assert.equal(readPidStat(rival.pid)!.nice, 0, 'the competitor was not touched');
  const v = r.verification![0]!;
  t.diagnostic(`verify: ${v.verdict} ${JSON.stringify(v.verification)}`);
  assert.ok(v.kept, `verification kept the action (${v.verdict}: ${JSON.stringify(v.verification)})`);

  const rows = loop.executor.audit.history(v.decisionId);
  assert.deepEqual(rows.map((x) => x.status), ['executing', 'executed', 'verified']);
  const first = rows[0]! as AuditRow;
  assert.equal(first.target_pid, hog.pid);
  assert.equal(first.target_start_time, hog.startTime);
  assert.equal(first.decided_by, 'rules');
  assert.equal(JSON.parse(first.prior_state_json!).nice, 0, 'prior state recorded');
  assert.ok(JSON.parse(rows[2]!.verification_json!).metric, 'verification recorded with its metric');
  assert.ok(loop.executor.audit.verifyChain().ok);

  const cycle = tdb.db.prepare('SELECT * FROM agent_cycles WHERE id = ?').get(r.cycleId) as Record<string, string>;
  for (const ph of ['observe', 'explain', 'simulate', 'decide', 'execute', 'verify']) assert.ok(cycle[`${ph}_json`], `${ph} stored`);
  assert.equal(cycle.status, 'ok');

  // Stopping with --restore-on-exit puts the nice value back.
  const restored = await restoreAll(loop.executor, 'test restore');
  assert.equal(restored.length, 1);
  assert.equal(restored[0]!.status, 'restored');
  assert.equal(readPidStat(hog.pid)!.nice, 0, 'nice restored');
});

test('dry-run shows the same decision and changes nothing', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog();
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  cpuSignal(tdb.db, hog);
  const loop = new AgentLoop(tdb.db, testConfig({ dryRun: true }), tdb.log);
  const r = await loop.runCycle();
  assert.equal(r.status, 'ok', r.error);
  const o = r.execution!.outcomes[0]!;
  assert.equal(o.status, 'dry_run');
  assert.match(o.detail!, new RegExp(`setpriority\\(PRIO_PROCESS, tid, 10\\) for each thread whose nice is below 10 of pid ${hog.pid}`));
  assert.equal(readPidStat(hog.pid)!.nice, 0, 'nothing changed');
  assert.equal(r.verification!.length, 0);
  const row = loop.executor.audit.get(o.auditId)!;
  assert.equal(row.status, 'dry_run');
  assert.equal(JSON.parse(row.prior_state_json!).nice, 0, 'dry-run still shows the prior state');
  const cycle = tdb.db.prepare('SELECT mode FROM agent_cycles WHERE id = ?').get(r.cycleId) as { mode: string };
  assert.equal(cycle.mode, 'dry_run');
});

test('circuit breaker: a target that undoes every renice fails verification until the agent drops to dry-run', async (t) => {
  const tdb = tempDb();
  const hog = await spawnHog({ fightNice: true });
  t.after(async () => { await hog.stop(); tdb.cleanup(); });
  cpuSignal(tdb.db, hog);
  const loop = new AgentLoop(tdb.db, testConfig({ breaker: { threshold: 2, windowS: 3600, cooloffS: 3600 } }), tdb.log);
  for (let i = 0; i < 2; i++) {
    const r = await loop.runCycle();
    assert.equal(r.status, 'ok', r.error);
    const v = r.verification![0]!;
    assert.equal(v.verdict, 'not_applied', `cycle ${i}: the hog put its nice back`);
    assert.equal(v.status, 'rolled_back');
  }
  assert.equal(loop.executor.breaker.state().open, true);
  const r = await loop.runCycle();
  assert.equal(r.execution!.outcomes[0]!.status, 'dry_run');
  assert.match(r.execution!.outcomes[0]!.detail!, /setpriority/);
  const row = loop.executor.audit.get(r.execution!.outcomes[0]!.auditId)!;
  assert.match(row.note!, /circuit breaker open/);
  const ev = tdb.db.prepare('SELECT event, failures FROM agent_breaker_events').all() as Array<{ event: string; failures: number }>;
  assert.deepEqual(ev, [{ event: 'tripped', failures: 2 }]);
  loop.executor.breaker.reset('test');
  assert.equal(loop.executor.breaker.state().open, false, 'a reset closes it');
});

test('four workers of one job beside a bystander: the agent acts on the whole workload and VERIFY judges on the bystander', async (t) => {
  const tdb = tempDb();
  // One job: four identical workers from one parent (same executable, same command line).
  const workers = await Promise.all([0, 1, 2, 3].map(() => spawnHog()));
  const probe = await startProbe();
  // The bystander shares the workers' scheduling group, where nice is the mechanism.
  placeInTestGroup(probe.proc.pid!);
  t.after(async () => { probe.stop(); await Promise.all(workers.map((w) => w.stop())); tdb.cleanup(); });
  insertSignal(tdb.db, {
    type: 'cpu_saturation', severity: 'high', pressure: 0.9,
    context: { busy_pct: 100, top_processes: [{ pid: workers[0]!.pid, start_time: workers[0]!.startTime, comm: 'node', cpu_pct: 50 }] },
  });
  const before = await probe.measure(3000);
  const loop = new AgentLoop(tdb.db, testConfig({ measureMs: 3000, settleMs: 1000, keepNeutral: false }), tdb.log);
  const r = await loop.runCycle();
  assert.equal(r.status, 'ok', r.error);
  const target = r.observation!.targets.find((x) => x.pid === workers[0]!.pid || workers.some((w) => w.pid === x.pid))!;
  assert.deepEqual(target.members!.map((m) => m.pid).sort(), workers.map((w) => w.pid).sort(), 'the four workers are one target');
  const p = r.decision!.proposals[0]!;
  assert.equal(p.action, 'lower_process_priority');
  const v = r.verification![0]!;
  const executed = loop.executor.audit.history(v.decisionId).find((x) => x.status === 'executed')!;
  for (const w of workers) assert.match(executed.note ?? '', new RegExp(`\\b${w.pid}\\b`), `worker ${w.pid} reniced with the others`);
  for (const w of workers) assert.equal(readPidStat(w.pid)!.nice, v.kept ? 10 : 0, `worker ${w.pid} ${v.kept ? 'kept at nice 10' : 'rolled back'}`);
  const after = await probe.measure(3000);
  t.diagnostic(`bystander ${before.toFixed(2)} -> ${after.toFixed(2)} ms late; verify ${v.verdict} ${JSON.stringify(v.verification).slice(0, 400)}`);
  assert.equal(v.verification.metric, 'othersRunDelayMsPerS', 'judged on the run-queue wait outside the workload');
  assert.deepEqual([...(v.verification.pids as number[])].sort(), workers.map((w) => w.pid).sort(), 'the audit lists every pid touched');
  assert.ok(v.verdict !== 'worse', v.verdict);
  if (v.kept) assert.ok(after < before, `kept only when the bystander gained: ${before.toFixed(2)} -> ${after.toFixed(2)} ms`);

  // The verdict with its effect, noise and control: in the audit row, `actions --show` and chat's tool.
  const shown = await execa(process.execPath, [path.join(DIST, 'agent', 'actions-main.js'), '--db', tdb.file, '--show', String(v.decisionId)]);
  assert.match(shown.stdout, /verdict: (helped|neutral|worse) on othersRunDelayMsPerS \[ms\/s\]: before [\d.]+±[\d.]+ \(6 slices\) -> after .*effect [-\d.]+, sigma [\d.]+, needed [\d.]+; control: the before window/);
  assert.match(shown.stdout, new RegExp(`pids (${workers.map((w) => w.pid).join('|')})(,(${workers.map((w) => w.pid).join('|')})){3}`));
  const view = agentDecisions(tdb.db, 5).find((d) => d.id === v.decisionId)!;
  for (const k of ['effect', 'sigma', 'threshold', 'control', 'windows']) assert.ok(view.verification && k in view.verification, `chat sees ${k}`);
});
