// Protection from what a process cannot choose (executable, cgroup, ancestry);
// names only add protection, compared as the kernel truncates comm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { policyFromFlags, parseUids } from '../../agent/executor/policy.js';
import { ProtectionPolicy } from '../../agent/executor/protected.js';
import { spawnHog } from '../fixtures/agent/processes.js';
import { ROOT } from '../../lib/paths.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { waitFor } from '../../harness/wait.js';

const stat = (pid: number) => readPidStat(pid)!;

test('a process that names itself sshd-x is not sshd', async (t) => {
  const fake = await spawnHog({ idle: true, comm: 'sshd-x' });
  t.after(() => fake.stop());
  assert.equal(stat(fake.pid).comm, 'sshd-x');
  assert.equal(new ProtectionPolicy().reason(stat(fake.pid)), null);
});

test('a deny entry longer than 15 characters matches the comm the kernel kept', async (t) => {
  const long = 'abcdefghijklmnopqrst';
  const hog = await spawnHog({ idle: true, comm: long });
  t.after(() => hog.stop());
  assert.equal(stat(hog.pid).comm, long.slice(0, 15));
  assert.equal(new ProtectionPolicy([long]).reason(stat(hog.pid)), 'deny_list');
  assert.equal(new ProtectionPolicy([`${long.slice(0, 17)}*`]).reason(stat(hog.pid)), 'deny_list');
  assert.equal(new ProtectionPolicy(['abcdefghijklmnopqrsX']).reason(stat(hog.pid)), 'deny_list', 'beyond 15 bytes the kernel kept nothing to compare');
  assert.equal(new ProtectionPolicy(['abcdefghijklmnX']).reason(stat(hog.pid)), null);
});

test('argv naming the repository does not make /bin/sleep a KernelSight process', async (t) => {
  const proc = spawn('/bin/sleep', ['60'], { argv0: path.join(ROOT, 'dist', 'agent', 'main.js'), stdio: 'ignore' });
  await once(proc, 'spawn');
  t.after(() => { proc.kill('SIGKILL'); });
  await waitFor(() => readPidStat(proc.pid!)?.comm === 'sleep', 'sleep to exec');
  assert.equal(fs.readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0')[0], path.join(ROOT, 'dist', 'agent', 'main.js'));
  assert.equal(new ProtectionPolicy().reason(stat(proc.pid!)), null);
});

test('a process in a cgroup named ssh.service is protected, whatever its name', async (t) => {
  const hierarchy = '/sys/fs/cgroup/systemd';
  if (!fs.existsSync(path.join(hierarchy, 'cgroup.procs'))) return t.skip('no cgroup v1 name=systemd hierarchy at /sys/fs/cgroup/systemd');
  const parent = path.join(hierarchy, `ks-test-${process.pid}`);
  const unit = path.join(parent, 'system.slice', 'ssh.service');
  try { fs.mkdirSync(unit, { recursive: true }); } catch (e) { return t.skip(`cannot create ${unit}: ${(e as Error).message}`); }
  const hog = await spawnHog({ idle: true });
  t.after(async () => {
    await hog.stop();
    for (const d of [unit, path.dirname(unit), parent]) await waitFor(() => { try { fs.rmdirSync(d); return true; } catch { return !fs.existsSync(d); } }, `rmdir ${d}`);
  });
  assert.equal(new ProtectionPolicy().reason(stat(hog.pid)), null, 'an ordinary node child');
  fs.writeFileSync(path.join(unit, 'cgroup.procs'), String(hog.pid));
  assert.equal(new ProtectionPolicy().reason(stat(hog.pid)), 'sshd');
});

test('--deny-uid protects every process of that uid, whatever it is named; the policy carries it to the operator paths', { skip: process.getuid?.() !== 0 && 'needs root to start a process as another uid' }, async (t) => {
  const other = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/sleep', '60'], { stdio: 'ignore' });
  await once(other, 'spawn');
  t.after(() => { other.kill('SIGKILL'); });
  await waitFor(() => readPidStat(other.pid!)?.comm === 'sleep', 'sleep to exec');
  const mine = await spawnHog({ idle: true });
  t.after(() => mine.stop());
  const policy = new ProtectionPolicy([], undefined, [65534]);
  assert.equal(policy.reason(stat(other.pid!)), 'deny_uid');
  assert.equal(policy.reason(stat(mine.pid)), null, 'root\'s own test process is not that uid');
  assert.equal(new ProtectionPolicy().reason(stat(other.pid!)), null, 'no uid rule without --deny-uid');
  const cfg = policyFromFlags({ dryRun: false, deny: '', denyUids: '65534, 0', settleS: 1, measureS: 1, keepNeutral: false, cooldownS: 0, hourlyBudget: 6 });
  assert.deepEqual(cfg.denyUids, [65534, 0]);
  assert.throws(() => parseUids('nobody'), /--deny-uid: "nobody" is not a uid/);
});
