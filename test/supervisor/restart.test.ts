// Restart policy with real child processes: backoff, give-up, "cannot run here".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../lib/db.js';
import { DIST } from '../../lib/paths.js';
import { cleanup, fixture, sleep, startSupervisor, starts, type Run } from './helpers.js';
import { tempDir, waitFor } from '../../harness/wait.js';

const fast = { baseMs: 100, maxMs: 1000 };

test('a crash-looping child is given up after 5 failures in the window; the others keep running', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  const startsFile = path.join(dir, 'starts');
  run = startSupervisor(dir, [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log'),
    fixture(dir, 'steady', 'producer', 'forever.js', ['--tag', 'steady', '--starts', startsFile]),
    fixture(dir, 'crasher', 'producer', 'crash-loop.js', ['--tag', 'crasher', '--starts', startsFile, '--message', 'boom: cannot open /dev/nothing']),
  ], { backoff: fast });
  const failed = await waitFor(() => run!.component('crasher')?.state === 'failed' && run!.component('crasher'), 'crasher to be marked failed');
  assert.equal(starts(startsFile, 'crasher'), 5);
  assert.equal(failed.restarts, 4);
  assert.match(failed.reason ?? '', /exited with code 3; 5 failures within 60 s; last stderr: boom: cannot open \/dev\/nothing/);
  await sleep(1000); // no further restart comes
  assert.equal(starts(startsFile, 'crasher'), 5);
  assert.equal(run.component('steady')?.state, 'up');
  assert.equal(run.component('steady')?.restarts, 0);
  assert.equal(run.component('ingestion')?.state, 'up');
  // Wherever someone looks, it is FAILED with its last error: doctor, chat /status.
  openDatabase(run.db).close();
  const doctor = spawnSync(process.execPath, [path.join(DIST, 'supervisor', 'doctor-main.js'), '--db', run.db, '--log-dir', run.logDir], { encoding: 'utf8' });
  assert.match(doctor.stdout, /^FAIL component crasher: crasher FAILED \(restarts 4\): exited with code 3; 5 failures within 60 s; last stderr: boom: cannot open \/dev\/nothing — see /m, doctor.stdout);
  assert.match(doctor.stdout, /^OK   component steady: steady up$/m);
  assert.equal(doctor.status, 1, 'a FAILED component fails the doctor');
  const chat = spawnSync(process.execPath, [path.join(DIST, 'chat', 'main.js'), '--db', run.db, '--log-dir', run.logDir, '--rules', '--ask', '/status'], { encoding: 'utf8' });
  assert.match(chat.stdout, /^ {2}crasher FAILED \(restarts 4\): exited with code 3; 5 failures within 60 s; last stderr: boom: cannot open \/dev\/nothing/m, chat.stdout + chat.stderr);
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  assert.match(run.output(), /crasher failed, not restarting/);
  assert.match(run.output(), /crasher=FAILED\(restarts 4\)/, 'the plain status line says FAILED');
  assert.match(run.output(), /\| crasher FAILED: exited with code 3; 5 failures within 60 s; last stderr: boom/, 'with its last error');
});

test('exit 77 and 78 mean "cannot run here": unavailable with the reason and a fix, never restarted', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  const startsFile = path.join(dir, 'starts');
  run = startSupervisor(dir, [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log'),
    fixture(dir, 'noroot', 'producer', 'crash-loop.js', ['--tag', 'noroot', '--starts', startsFile, '--code', '77', '--message', 'cannot load BPF programs: Operation not permitted']),
    fixture(dir, 'nobtf', 'producer', 'crash-loop.js', ['--tag', 'nobtf', '--starts', startsFile, '--code', '78', '--message', 'BTF not found at /sys/kernel/btf/vmlinux']),
    fixture(dir, 'steady', 'producer', 'forever.js', ['--tag', 'steady']),
  ], { backoff: fast });
  await waitFor(() => run!.component('noroot')?.state === 'unavailable' && run!.component('nobtf')?.state === 'unavailable', 'both to be unavailable');
  await sleep(1000); // a restart would have happened by now with a 100 ms backoff
  assert.equal(starts(startsFile, 'noroot'), 1);
  assert.equal(starts(startsFile, 'nobtf'), 1);
  const noroot = run.component('noroot')!;
  assert.equal(noroot.reason, 'cannot load BPF programs: Operation not permitted');
  assert.match(noroot.fix ?? '', /root/);
  const nobtf = run.component('nobtf')!;
  assert.equal(nobtf.reason, 'BTF not found at /sys/kernel/btf/vmlinux');
  assert.match(nobtf.fix ?? '', /doctor/);
  assert.equal(run.component('steady')?.state, 'up');
  // Their own logs say why, next to the supervisor's start/exit lines.
  assert.match(fs.readFileSync(path.join(run.logDir, 'nobtf.log'), 'utf8'), /BTF not found[\s\S]*exited with code 78/);
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  assert.match(run.output(), /noroot unavailable \(exited with code 77\): cannot load BPF programs.*fix: run as root/);
});

test('a producer killed with SIGKILL comes back, and its lines flow again', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  const out = path.join(dir, 'sink.out');
  run = startSupervisor(dir, [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', out], 'supervisor-log'),
    fixture(dir, 'tracer', 'producer', 'forever.js', ['--tag', 'tracer', '--every', '50']),
  ], { backoff: fast });
  const first = await waitFor(() => run!.component('tracer')?.state === 'up' && run!.component('tracer')!.pid, 'tracer up');
  const zeroes = (): number => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8').split('"src":"tracer","n":0}').length - 1 : 0);
  await waitFor(() => zeroes() === 1, 'the first run\'s first line');
  process.kill(first, 'SIGKILL');
  const second = await waitFor(() => {
    const c = run!.component('tracer');
    return c?.state === 'up' && c.pid !== first && c.pid;
  }, 'tracer to come back');
  assert.equal(run.component('tracer')?.restarts, 1);
  // A line numbered 0 again proves the new process writes into the same sink.
  await waitFor(() => zeroes() === 2, 'the new run\'s lines');
  assert.ok(second > 0);
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
});

test('ingest killed with SIGKILL is restarted; producers\' lines go to the new one, whole', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  const out = path.join(dir, 'sink.out');
  run = startSupervisor(dir, [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', out], 'supervisor-log'),
    fixture(dir, 'alpha', 'producer', 'chatty.js', ['--tag', 'alpha']),
  ], { backoff: fast });
  const first = await waitFor(() => run!.component('ingestion')?.state === 'up' && run!.component('ingestion')!.pid, 'sink up');
  await waitFor(() => fs.existsSync(out) && fs.statSync(out).size > 100_000, 'lines before the kill');
  process.kill(first, 'SIGKILL');
  await waitFor(() => {
    const c = run!.component('ingestion');
    return c?.state === 'up' && c.pid !== first;
  }, 'sink to come back');
  const sizeAtRestart = fs.statSync(out).size;
  await waitFor(() => fs.statSync(out).size > sizeAtRestart + 100_000, 'lines into the new sink');
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  // Lines in flight inside the dead sink's pipe are lost, but none is cut or mixed.
  for (const l of fs.readFileSync(out, 'utf8').split('\n').filter(Boolean)) {
    assert.match(JSON.parse(l).pad, /^a+$/);
  }
});

test('a component that is not built is shown as not installed; the rest runs', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  run = startSupervisor(dir, [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log'),
    { ...fixture(dir, 'agent', 'worker', 'forever.js'), missing: { reason: 'not installed (dist/agent/main.js is missing)', fix: 'npm run build' } },
  ]);
  await waitFor(() => run!.component('agent')?.state === 'not-installed' && run!.component('ingestion')?.state === 'up', 'states');
  assert.equal(run.component('agent')?.pid, undefined);
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
});
