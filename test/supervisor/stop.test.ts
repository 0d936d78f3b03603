// Stopping: reverse order, whole process trees, nothing left behind — also when
// the supervisor itself is killed with SIGKILL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, fixture, processesWith, startSupervisor, type Run } from './helpers.js';
import { isAlive } from '../../lib/procfs/tree.js';
import { tempDir, waitFor } from '../../harness/wait.js';

function everyoneUp(run: Run, names: string[]): boolean {
  return names.every((n) => run.component(n)?.state === 'up');
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: reverse-order stop of whole trees, stubborn ones killed, exit 0, no process left`, async (t) => {
    const dir = tempDir();
    let run: Run | undefined;
    t.after(() => cleanup(run, dir));
    const gcPid = path.join(dir, 'gc.pid');
    const escapedPid = path.join(dir, 'escaped.pid');
    run = startSupervisor(dir, [
      fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log'),
      fixture(dir, 'parent', 'producer', 'grandchild.js', ['--grandchild-pid', gcPid, '--stubborn-grandchild']),
      fixture(dir, 'escaper', 'producer', 'grandchild.js', ['--grandchild-pid', escapedPid, '--setsid']),
      fixture(dir, 'stubborn', 'producer', 'ignore-sigterm.js'),
      fixture(dir, 'agent', 'worker', 'forever.js', ['--tag', 'agent'], 'supervisor-log'),
    ]);
    const names = ['ingestion', 'parent', 'escaper', 'stubborn', 'agent'];
    await waitFor(() => everyoneUp(run!, names) && fs.existsSync(gcPid) && fs.existsSync(escapedPid), 'everyone up');
    const grandchildren = [gcPid, escapedPid].map((f) => Number(fs.readFileSync(f, 'utf8')));
    assert.ok(grandchildren.every((p) => isAlive(p)));

    run.proc.kill(signal);
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    assert.deepEqual(processesWith(dir), [], 'a process of ours outlived the supervisor');
    assert.ok(grandchildren.every((p) => !isAlive(p)), 'a grandchild survived');

    const log = fs.readFileSync(path.join(run.logDir, 'supervisor.log'), 'utf8');
    const at = (what: string): number => {
      const i = log.indexOf(what);
      assert.ok(i >= 0, `missing "${what}" in supervisor.log`);
      return i;
    };
    // Reverse order: the agent, then the producers, and ingest last.
    assert.ok(at('agent stopped') < at('parent stopping'));
    assert.ok(at('parent stopped') < at('ingestion stopping'));
    assert.ok(at('stubborn stopped') < at('ingestion stopping'));
    assert.match(log, /stubborn stopped \(needed SIGKILL\)/);
    assert.match(log, /parent stopped \(needed SIGKILL\)/, 'its grandchild ignores SIGTERM');
    assert.ok(!fs.existsSync(path.join(dir, 'data', 'supervisor.state.json')), 'the state file is removed on a clean stop');
  });
}

test('SIGKILL of the supervisor: the reaper stops everything it started, grandchildren included', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  const gcPid = path.join(dir, 'gc.pid');
  run = startSupervisor(dir, [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log'),
    fixture(dir, 'parent', 'producer', 'grandchild.js', ['--grandchild-pid', gcPid, '--stubborn-grandchild']),
    fixture(dir, 'stubborn', 'producer', 'ignore-sigterm.js'),
    fixture(dir, 'quiet', 'producer', 'env-dump.js', ['--out', path.join(dir, 'env.json')]),
  ]);
  await waitFor(() => everyoneUp(run!, ['ingestion', 'parent', 'stubborn', 'quiet']) && fs.existsSync(gcPid), 'everyone up');
  const ours = processesWith(dir);
  assert.ok(ours.length >= 6, `expected supervisor, reaper, 4 children and a grandchild, saw ${ours.length}`);

  run.proc.kill('SIGKILL');
  await run.exited;
  // The reaper's grace periods bound this (5 s + 10 s); 30 s only guards against a hang.
  await waitFor(() => processesWith(dir).length === 0, `no process of ours left (still: ${processesWith(dir).map((p) => p.cmd).join(' | ')})`, 30_000);
  assert.match(fs.readFileSync(path.join(run.logDir, 'supervisor.log'), 'utf8'), /reaper: supervisor is gone; stopping 4 process group/);
});

test('leftovers of a supervisor that died together with its reaper are killed by the next start', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  let second: Run | undefined;
  t.after(async () => {
    await cleanup(second, dir);
    await cleanup(run, dir);
  });
  const components = [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log'),
    fixture(dir, 'quiet', 'producer', 'env-dump.js', ['--out', path.join(dir, 'env.json')]),
  ];
  run = startSupervisor(dir, components);
  await waitFor(() => everyoneUp(run!, ['ingestion', 'quiet']), 'everyone up');
  const state = run.state()!;
  const quiet = state.components.find((c) => c.name === 'quiet')!;
  process.kill(state.reaperPid!, 'SIGKILL');
  run.proc.kill('SIGKILL');
  await run.exited;
  await waitFor(() => !isAlive(state.reaperPid!), 'reaper gone');
  assert.ok(isAlive(quiet.pid!, quiet.pidStart), 'the fixture ignores parent death, so it is left over');

  second = startSupervisor(dir, components);
  await waitFor(() => second!.component('quiet')?.state === 'up' && second!.component('quiet')!.pid !== quiet.pid, 'the new run up');
  assert.ok(!isAlive(quiet.pid!, quiet.pidStart), 'the leftover was killed');
  assert.match(fs.readFileSync(path.join(second.logDir, 'supervisor.log'), 'utf8'), /killed processes left by a previous supervisor that died: (ingestion, )?quiet/);
  second.proc.kill('SIGTERM');
  assert.deepEqual(await second.exited, { code: 0, signal: null });
  assert.deepEqual(processesWith(dir), []);
});

test('a second supervisor on the same database refuses to start', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  let second: Run | undefined;
  t.after(async () => {
    await cleanup(second, dir);
    await cleanup(run, dir);
  });
  const components = [fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log')];
  run = startSupervisor(dir, components);
  await waitFor(() => everyoneUp(run!, ['ingestion']), 'first up');
  second = startSupervisor(dir, components);
  assert.deepEqual(await second.exited, { code: 1, signal: null });
  assert.match(second.output(), new RegExp(`another supervisor \\(pid ${run.proc.pid}\\) is running`));
  assert.equal(run.component('ingestion')?.state, 'up', 'the first one is untouched');
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
});
