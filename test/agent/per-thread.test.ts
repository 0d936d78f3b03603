// Exact undo of per-thread actions: every thread of the target is changed only
// downward and gets its own prior value back, however many threads there are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { execa } from 'execa';
import { Executor } from '../../agent/executor/executor.js';
import { undoAction } from '../../agent/executor/approvals.js';
import type { Proposal } from '../../agent/executor/types.js';
import { tempDb, testConfig } from '../fixtures/agent/db.js';
import { spawnThreaded } from '../fixtures/agent/threads.js';
import { listTids, readPidStat } from '../../lib/procfs/pid.js';

const propose = (action: string, params: unknown): Proposal => ({
  action, params, justification: 'test', expectedEffect: 'test', confidence: 0.5, decidedBy: 'rules', signalIds: [],
});

function niceByTid(pid: number): Map<number, number> {
  return new Map(listTids(pid).map((tid) => [tid, os.getPriority(tid)]));
}

test('renice of a 600-thread process at mixed nice values, then undo: each thread back to its own value', async (t) => {
  const tdb = tempDb();
  const proc = await spawnThreaded(600);
  t.after(async () => { await proc.stop(); tdb.cleanup(); });
  const before = niceByTid(proc.pid);
  assert.ok(before.size > 600, `${before.size} threads`);
  assert.ok([...before.values()].some((n) => n > 10), 'some threads start above the new value');

  const cfg = testConfig().executor;
  const ex = new Executor(tdb.db, cfg, tdb.log);
  const s = readPidStat(proc.pid)!;
  const o = await ex.execute(propose('lower_process_priority', { target: 't1', nice: 10 }),
    { cycleId: null, targets: new Map([['t1', { pid: proc.pid, startTime: s.startTime, comm: s.comm }]]) });
  assert.equal(o.status, 'executed', JSON.stringify(o).slice(0, 300));
  if (o.status !== 'executed') return;

  const during = niceByTid(proc.pid);
  for (const [tid, was] of before) assert.equal(during.get(tid), Math.max(was, 10), `thread ${tid} (was ${was}) during`);
  const prior = ex.audit.priorState(o.decisionId)!;
  assert.equal(Object.keys(prior.threads as object).length, before.size, 'every thread recorded, none truncated');

  const r = await undoAction(tdb.db, o.decisionId, { config: cfg, log: tdb.log });
  assert.equal(r.status, 'undone', r.note);
  assert.equal(r.restored, true, r.note);
  const after = niceByTid(proc.pid);
  for (const [tid, was] of before) assert.equal(after.get(tid), was, `thread ${tid} back to its own ${was}`);
  assert.ok(ex.audit.verifyChain().ok);
});

test('ionice of a 600-thread process: threads already idle are untouched; undo restores each thread', async (t) => {
  const tdb = tempDb();
  const proc = await spawnThreaded(600);
  t.after(async () => { await proc.stop(); tdb.cleanup(); });
  const tids = listTids(proc.pid);
  const idle = tids.filter((_, i) => i % 3 === 1);
  const be2 = tids.filter((_, i) => i % 3 === 2);
  await execa('/usr/bin/ionice', ['-c', '3', '-p', ...idle.map(String)]);
  await execa('/usr/bin/ionice', ['-c', '2', '-n', '2', '-p', ...be2.map(String)]);
  const ioOf = async () => {
    const { stdout } = await execa('/usr/bin/ionice', ['-p', ...tids.map(String)]);
    return new Map(stdout.split('\n').map((l, i) => [tids[i], l.trim()]));
  };
  const before = await ioOf();

  const cfg = testConfig().executor;
  const ex = new Executor(tdb.db, cfg, tdb.log);
  const s = readPidStat(proc.pid)!;
  const o = await ex.execute(propose('lower_io_priority', { target: 't1', io_class: 'idle', level: 7 }),
    { cycleId: null, targets: new Map([['t1', { pid: proc.pid, startTime: s.startTime, comm: s.comm }]]) });
  assert.equal(o.status, 'executed', JSON.stringify(o).slice(0, 300));
  if (o.status !== 'executed') return;
  const during = await ioOf();
  for (const tid of tids) assert.equal(during.get(tid), 'idle', `thread ${tid} during`);

  const r = await undoAction(tdb.db, o.decisionId, { config: cfg, log: tdb.log });
  assert.equal(r.status, 'undone', r.note);
  assert.deepEqual(await ioOf(), before, 'each thread back to its own class and level');
});
