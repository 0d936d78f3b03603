// Syscall classes, idle waits, and the real /proc look-ups behind them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { judgeSyscall, syscallClass } from '../../../ingest/signals/classifiers/syscall-classes.js';
import { fdKind, processIdentity } from '../../../ingest/signals/proc.js';
import { readPidStat } from '../../../lib/procfs/pid.js';

test('classes follow the original names', () => {
  assert.equal(syscallClass('fsync'), 'blocking_io');
  assert.equal(syscallClass('io_uring_enter'), 'async_io');
  assert.equal(syscallClass('flock'), 'lock_contention');
  assert.equal(syscallClass('mmap'), 'memory_management');
  assert.equal(syscallClass('connect'), 'network');
  assert.equal(syscallClass('openat'), 'file_system');
  assert.equal(syscallClass('execve'), 'process_management');
  assert.equal(syscallClass('rt_sigaction'), 'signal_handling');
  assert.equal(syscallClass('timer_settime'), 'timer');
  assert.equal(syscallClass('no_such_call'), 'other');
});

test('idle waits are not problems, however long they took', () => {
  for (const name of ['epoll_wait', 'epoll_pwait', 'poll', 'ppoll', 'select', 'pselect6', 'nanosleep',
    'clock_nanosleep', 'pause', 'wait4', 'accept4', 'recvfrom']) {
    assert.equal(judgeSyscall(name, 'nginx').idle, true, name);
  }
  assert.equal(judgeSyscall('futex', 'node').idle, true, 'a parked thread-pool thread');
  assert.deepEqual(judgeSyscall('futex', 'postgres'), { idle: false, cls: 'lock_contention' });
});

test('read and write are judged by what the fd is', () => {
  assert.deepEqual(judgeSyscall('read', 'x', 'file'), { idle: false, cls: 'blocking_io' });
  assert.deepEqual(judgeSyscall('pwrite64', 'x', 'block'), { idle: false, cls: 'blocking_io' });
  assert.equal(judgeSyscall('read', 'bash', 'char').idle, true, 'a terminal read waits for a key');
  assert.equal(judgeSyscall('read', 'x', 'socket').idle, true, 'an idle socket');
  assert.equal(judgeSyscall('read', 'x', 'pipe').idle, true);
  assert.equal(judgeSyscall('read', 'x', 'unknown').idle, true, 'unknown fd: no guessing');
  assert.deepEqual(judgeSyscall('write', 'x', 'socket'), { idle: false, cls: 'network' }, 'a send that blocks: peer not draining');
  assert.deepEqual(judgeSyscall('fsync', 'x'), { idle: false, cls: 'blocking_io' });
});

test('fdKind reads real fds: regular file, socket, pipe, character device', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-fd-'));
  const fileFd = fs.openSync(path.join(dir, 'f'), 'w');
  const devNull = fs.openSync('/dev/null', 'r');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Node's stdio pipes are socketpairs; a shell process substitution is a real pipe (fd 3).
  const child = spawn('bash', ['-c', 'exec 3< <(sleep 30); exec sleep 30'], { stdio: 'ignore', detached: true });
  t.after(() => {
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } // both sleeps: one process group
    server.close();
    fs.closeSync(fileFd);
    fs.closeSync(devNull);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await new Promise((r) => child.once('spawn', r));
  for (let i = 0; i < 100 && !fs.readFileSync(`/proc/${child.pid}/comm`, 'utf8').startsWith('sleep'); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const serverFd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  assert.equal(fdKind(process.pid, fileFd), 'file');
  assert.equal(fdKind(process.pid, devNull), 'char');
  assert.equal(fdKind(process.pid, serverFd), 'socket');
  assert.equal(fdKind(child.pid!, 3), 'pipe');
  assert.equal(fdKind(process.pid, 9999), 'unknown');
  assert.equal(fdKind(process.pid, -1), 'unknown');
});

test('process identity: start time is field 22 of /proc/<pid>/stat, 0 once gone', async (t) => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((r) => child.once('spawn', r));
  const expected = readPidStat(child.pid!)?.startTime;
  const id = processIdentity(child.pid!, 'sleep');
  assert.equal(id.startTime, expected);
  assert.ok(id.startTime > 0);
  // A pid that does not exist (beyond pid_max) resolves to start time 0.
  assert.deepEqual(processIdentity(4_194_305, 'gone'), { pid: 4_194_305, startTime: 0, comm: 'gone' });
});
