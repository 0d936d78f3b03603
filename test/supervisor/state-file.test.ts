// A hostile or stale supervisor.state.json must not make `npm start` kill
// anything that is not provably ours: pid 1, an unrelated process group that is
// alive with exactly the recorded (pid, start time), a file from another boot,
// a file in a directory others can write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, fixture, startSupervisor, type Run } from './helpers.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { isAlive } from '../../lib/procfs/tree.js';
import { tempDir, waitFor } from '../../harness/wait.js';

const BOOT_ID = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

/** An unrelated process group: `setsid sleep`, its own group leader. */
async function victim(t: { after: (fn: () => void) => void }): Promise<{ pid: number; start: number }> {
  const p: ChildProcess = spawn('/usr/bin/setsid', ['/usr/bin/sleep', '1000'], { stdio: 'ignore' });
  t.after(() => { try { process.kill(p.pid!, 'SIGKILL'); } catch { /* gone */ } });
  const st = await waitFor(() => { const s = readPidStat(p.pid!); return s && s.pgid === p.pid && s.comm === 'sleep' ? s : undefined; }, 'victim is its own group leader');
  return { pid: p.pid!, start: st.startTime };
}

function deadPid(): number {
  return spawnSync('/bin/true').pid!;
}

function writeHostileState(dir: string, bootId: string, targets: { name: string; pid: number; start: number }[], mode = 0o600): void {
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { recursive: true, mode: 0o750 });
  const state = {
    pid: deadPid(), pidStart: 1, startedAt: Date.now(), updatedAt: Date.now(), bootId,
    db: path.join(data, 'ks.db'), logDir: path.join(dir, 'logs'),
    components: targets.map((c) => ({ name: c.name, role: 'producer', state: 'up', pid: c.pid, pidStart: c.start, restarts: 0 })),
  };
  const file = path.join(data, 'supervisor.state.json');
  fs.writeFileSync(file, JSON.stringify(state), { mode });
  fs.chmodSync(file, mode);
}

function sinkOnly(dir: string) {
  return [fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log')];
}

async function startAndStop(dir: string, t: { after: (fn: () => Promise<void>) => void }): Promise<Run> {
  const run = startSupervisor(dir, sinkOnly(dir));
  t.after(() => cleanup(run, dir));
  await waitFor(() => run.component('ingestion')?.state === 'up', () => `supervisor up (output: ${run.output()})`);
  // Leftover cleanup runs before any component starts: by now it is over.
  return run;
}

async function stop(run: Run): Promise<void> {
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
}

test('a state file naming pid 1 and a live unrelated setsid group kills neither', async (t) => {
  const dir = tempDir();
  const v = await victim(t);
  const init = readPidStat(1)!;
  writeHostileState(dir, BOOT_ID, [{ name: 'init', pid: 1, start: init.startTime }, { name: 'quiet', pid: v.pid, start: v.start }]);
  const run = await startAndStop(dir, t);
  assert.ok(isAlive(v.pid, v.start), `the unrelated group was killed (output: ${run.output()})`);
  assert.ok(isAlive(1, init.startTime));
  await stop(run);
  assert.ok(isAlive(v.pid, v.start));
});

test('a state file from another boot is ignored', async (t) => {
  const dir = tempDir();
  const v = await victim(t);
  writeHostileState(dir, '00000000-0000-0000-0000-000000000000', [{ name: 'quiet', pid: v.pid, start: v.start }]);
  const run = await startAndStop(dir, t);
  assert.ok(isAlive(v.pid, v.start), 'a group named by a file from another boot was killed');
  await stop(run);
});

test('a state file others could have written (mode 0666) is ignored', async (t) => {
  const dir = tempDir();
  const v = await victim(t);
  writeHostileState(dir, BOOT_ID, [{ name: 'quiet', pid: v.pid, start: v.start }], 0o666);
  const run = await startAndStop(dir, t);
  assert.ok(isAlive(v.pid, v.start), 'a group named by a writable state file was killed');
  await stop(run);
});

test('a database directory others can write: the supervisor refuses to start, with the fix, and kills nothing', async (t) => {
  const dir = tempDir();
  const v = await victim(t);
  writeHostileState(dir, BOOT_ID, [{ name: 'quiet', pid: v.pid, start: v.start }]);
  fs.chmodSync(path.join(dir, 'data'), 0o777);
  const run = startSupervisor(dir, sinkOnly(dir));
  t.after(() => cleanup(run, dir));
  const { code } = await Promise.race([run.exited, new Promise<{ code: string }>((r) => setTimeout(() => r({ code: 'still running after 15 s' }), 15_000))]);
  assert.ok(isAlive(v.pid, v.start), 'the group named by a file in a world-writable directory was killed');
  assert.equal(code, 1, `should refuse to start (output: ${run.output()})`);
  assert.match(run.output(), /group or world writable/);
  assert.match(run.output(), /chmod go-w/);
});
