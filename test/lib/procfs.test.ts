// lib/procfs: every /proc parser, text in and fields out, on the fixture trees
// (test/fixtures/proc) and the edge cases real kernels print; the readers on a
// fixture root and on this machine's /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../lib/paths.js';
import { parseCpuList } from '../../lib/procfs/cpulist.js';
import { parseMeminfo, readMeminfo } from '../../lib/procfs/meminfo.js';
import { parseMounts, readMounts } from '../../lib/procfs/mounts.js';
import { countTcpStates, parseNetDev, parseSnmp, readNetstat } from '../../lib/procfs/net.js';
import {
  listPids, listTids, parseCmdline, parsePidCgroup, parsePidIo, parsePidStat, parsePidStatus, parseSchedstat,
  readCmdline, readPidIo, readPidLink, readPidStat, readPidStatus, readSchedstat,
} from '../../lib/procfs/pid.js';
import { parsePressure, readPressure } from '../../lib/procfs/pressure.js';
import { parseSystemStat, readSystemStat } from '../../lib/procfs/stat.js';
import { readSysctl, sysctlFile } from '../../lib/procfs/sysctl.js';
import { readSeqFile } from '../../lib/procfs/text.js';
import { descendants, isAlive, listProcesses } from '../../lib/procfs/tree.js';
import { parseVmstat, readVmstat } from '../../lib/procfs/vmstat.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');
const FIX_ROOT = path.join(FIX, 'root');
const read = (p: string) => fs.readFileSync(path.join(FIX, p), 'utf8');

test('pid stat: comm holding ") (" and spaces runs to the last ")"', () => {
  const s = parsePidStat(read('root/4242/stat'));
  assert.deepEqual(s, {
    pid: 4242, comm: 'x) (y z', state: 'R', ppid: 1, pgid: 4242, sid: 4242, flags: 4194560, majflt: 7, utime: 250, stime: 50,
    cpuTicks: 300, childTicks: 0, nice: -5, threads: 3, startTime: 12345, rssPages: 2500, isKernelThread: false,
  });
  assert.equal(parsePidStat(read('root/77/stat')).comm, 'my prog');
  const tricky = parsePidStat('812 (a) (b c) S 1 812 812 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 12345 1000 10');
  assert.deepEqual([tricky.comm, tricky.startTime, tricky.rssPages], ['a) (b c', 12345, 10]);
  assert.throws(() => parsePidStat('12 (truncated) S 1 2'), /fields/);
  assert.throws(() => parsePidStat('garbage'), /comm/);
  assert.throws(() => parsePidStat('12 (x) S 1 2 3 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 oops 1000 10'), /starttime/);
});

test('pid stat: kernel threads by PF_KTHREAD or kthreadd parentage; zombies keep their fields', () => {
  assert.equal(parsePidStat(read('root/2/stat')).isKernelThread, true, 'kthreadd itself');
  assert.equal(parsePidStat(read('root/1/stat')).isKernelThread, false);
  const kworker = parsePidStat('95 (kworker/0:2-events) I 2 0 0 0 -1 69238880 0 0 0 0 0 12 0 0 20 0 1 0 300 0 0');
  assert.equal(kworker.isKernelThread, true);
  const flagged = parsePidStat('96 (kthr) S 7 0 0 0 -1 2097152 0 0 0 0 0 0 0 0 20 0 1 0 300 0 0');
  assert.equal(flagged.isKernelThread, true, 'PF_KTHREAD set, parent not 2');
  const zombie = parsePidStat('500 (defunct thing) Z 400 500 500 0 -1 4227084 10 0 0 0 3 1 0 0 20 0 1 0 777 0 0');
  assert.deepEqual([zombie.state, zombie.ppid, zombie.startTime, zombie.cpuTicks, zombie.rssPages], ['Z', 400, 777, 4, 0]);
});

test('pid status: uid, cpus allowed (sparse), memory and capabilities', () => {
  const s = parsePidStatus(read('root/4242/status'));
  assert.equal(s.uid, 1000);
  assert.equal(s.vmRssKb, 10000);
  assert.equal(s.vmHwmKb, undefined);
  assert.equal(s.cpusAllowed, null, 'not printed in the fixture');
  assert.equal(parsePidStatus(read('root/2/status')).uid, 0);
  const full = parsePidStatus('Name:\tnode\nUid:\t0\t0\t0\t0\nVmHWM:\t  51200 kB\nCapEff:\t000001ffffffffff\nCpus_allowed_list:\t0,2-3,8\n');
  assert.deepEqual(full.cpusAllowed, [0, 2, 3, 8]);
  assert.equal(full.vmHwmKb, 51200);
  assert.equal(full.capEff, 0x1ffffffffffn);
  assert.throws(() => parsePidStatus('Name:\tx\n'), /Uid/);
});

test('pid io, cmdline, cgroup and schedstat', () => {
  assert.deepEqual(parsePidIo('rchar: 10\nwchar: 20\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n'),
    { readBytes: 4096, writeBytes: 8192 });
  assert.deepEqual(parsePidIo(''), { readBytes: 0, writeBytes: 0 });
  assert.deepEqual(parseCmdline('node\0dist/agent/main.js\0--once\0'), ['node', 'dist/agent/main.js', '--once']);
  assert.deepEqual(parseCmdline(''), [], 'kernel threads and zombies');
  assert.deepEqual(parsePidCgroup('12:cpu,cpuacct:/user.slice\n0::/user.slice/session-1.scope\n'), [
    { hierarchy: 12, controllers: ['cpu', 'cpuacct'], path: '/user.slice' },
    { hierarchy: 0, controllers: [], path: '/user.slice/session-1.scope' },
  ]);
  assert.deepEqual(parseSchedstat('1500000 250000 42\n'), { runNs: 1500000, waitNs: 250000 });
});

test('cpulists: ranges, single CPUs and holes', () => {
  assert.deepEqual(parseCpuList('0-1\n'), [0, 1]);
  assert.deepEqual(parseCpuList(read('edge/cpu-online-sparse')), [0, 2, 3, 8, 9, 10, 11]);
  assert.deepEqual(parseCpuList('5'), [5]);
  assert.throws(() => parseCpuList('0-x'), /unexpected part/);
  assert.throws(() => parseCpuList('3-1'), /bad range/);
});

test('/proc/stat: aggregate and per-CPU times, ctxt, procs; sparse CPU numbering leaves holes', () => {
  const s = parseSystemStat(read('root/stat'));
  assert.deepEqual(s.cpu, { user: 1000, nice: 10, system: 500, idle: 8000, iowait: 200, irq: 30, softirq: 20, steal: 40 });
  assert.equal(s.cpus, 4);
  assert.deepEqual(s.perCpu[1], { user: 250, nice: 3, system: 125, idle: 2000, iowait: 50, irq: 7, softirq: 5, steal: 10 });
  assert.deepEqual([s.ctxt, s.procsRunning, s.procsBlocked], [987654, 3, 1]);
  const sparse = parseSystemStat('cpu 10 0 10 80\ncpu0 5 0 5 40\ncpu2 5 0 5 40\n');
  assert.equal(sparse.cpus, 2);
  assert.deepEqual(Object.keys(sparse.perCpu), ['0', '2'], 'CPU 1 is a hole, not zeros');
  assert.equal(sparse.cpu.steal, 0, 'older kernels print fewer columns');
  assert.throws(() => parseSystemStat('ctxt 1\n'), /no aggregate "cpu" line/);
  assert.throws(() => parseSystemStat('cpu 1 2\n'), /no aggregate "cpu" line/);
});

test('meminfo: kB values, with or without MemAvailable', () => {
  const m = parseMeminfo(read('root/meminfo'));
  assert.equal(m.get('MemTotal'), 8_000_000);
  assert.equal(m.get('Dirty'), 1234);
  const old = parseMeminfo(read('edge/meminfo-no-available'));
  assert.equal(old.get('MemAvailable'), undefined);
  assert.equal(old.get('Cached'), 150_000);
});

test('pressure: cpu without a full line, memory/io (and newer cpu) with one', () => {
  const cpu = parsePressure(read('root/pressure/cpu'));
  assert.deepEqual(cpu.some, { avg10: 1.5, avg60: 0.74, avg300: 1.05, total: 8149441 });
  assert.equal(cpu.full, undefined);
  assert.deepEqual(parsePressure(read('root/pressure/io')).full, { avg10: 2.5, avg60: 1.5, avg300: 0.5, total: 88000000 });
  assert.ok(parsePressure(read('edge/pressure-cpu-with-full')).full);
  assert.throws(() => parsePressure('full avg10=0 avg60=0 avg300=0 total=0\n'), /no "some" line/);
  assert.throws(() => parsePressure('some avg10=0 avg60=0 total=0\n'), /avg300/);
});

test('vmstat: counters by name, zoned names kept as printed', () => {
  const vm = parseVmstat(read('root/vmstat'));
  assert.equal(vm.get('pgfault'), 2064836);
  const zoned = parseVmstat(read('edge/vmstat-zoned'));
  assert.equal(zoned.get('pgscan_kswapd_normal'), 10);
  assert.equal(zoned.get('pgscan_kswapd_dma32'), 5);
  assert.equal(zoned.has('pswpin'), false);
  assert.equal(parseVmstat('nr_foo -3\nnot a line\n').get('nr_foo'), -3);
});

test('net/dev: odd interface names, long names without padding, big counters', () => {
  const m = parseNetDev(read('root/net/dev'));
  assert.deepEqual([...m.keys()], ['lo', 'eth0', 'veth1a2b-c.3', 'br-1234abcd5678', 'tun@0']);
  assert.deepEqual(m.get('eth0'), {
    rx_bytes: 112937719, rx_packets: 4768, rx_errors: 2, rx_drops: 3,
    tx_bytes: 408539, tx_packets: 3625, tx_errors: 4, tx_drops: 5,
  });
  assert.equal(m.get('br-1234abcd5678')?.rx_bytes, 123456789012);
  assert.equal(m.get('br-1234abcd5678')?.tx_bytes, 987654321098);
});

test('net/tcp and tcp6: every state counted from the hex st column', () => {
  const c = countTcpStates(read('root/net/tcp'));
  assert.deepEqual(c, {
    total: 17, established: 3, syn_sent: 1, syn_recv: 1, fin_wait1: 1, fin_wait2: 1, time_wait: 4,
    close: 1, close_wait: 1, last_ack: 1, listen: 2, closing: 1,
  });
  countTcpStates(read('root/net/tcp6'), c);
  assert.deepEqual([c.total, c.established, c.listen, c.time_wait], [21, 5, 3, 5]);
  assert.throws(() => countTcpStates('  sl  local_address rem_address   st\n 0: a b ZZ x\n'), /bad state/);
});

test('net/snmp and netstat: counters by header name, wherever the column is', () => {
  const snmp = parseSnmp(read('root/net/snmp'));
  assert.equal(snmp.get('Tcp')?.get('MaxConn'), -1);
  const reordered = parseSnmp(read('edge/snmp-reordered')).get('Tcp');
  assert.deepEqual([reordered?.get('RetransSegs'), reordered?.get('OutSegs'), reordered?.get('NewCounter')], [17, 3556, 424242]);
  const netstat = parseSnmp('TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 4 9\nIpExt: InNoRoutes\nIpExt: 2\n');
  assert.equal(netstat.get('TcpExt')?.get('ListenDrops'), 9);
  assert.throws(() => parseSnmp('Tcp: A B\nTcp: 1\n'), /2 names but 1 values/);
});

test('mounts: octal escapes undone, options split, short lines skipped', () => {
  const m = parseMounts('/dev/vda1 / ext4 rw,relatime 0 0\ncgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0\n'
    + '/dev/vdb /mnt/my\\040disk xfs rw 0 0\nbroken line\n');
  assert.deepEqual(m.map((x) => x.mountPoint), ['/', '/sys/fs/cgroup/cpu,cpuacct', '/mnt/my disk']);
  assert.deepEqual(m[1].options, ['rw', 'nosuid', 'cpu', 'cpuacct']);
  assert.equal(readMounts('/nonexistent/mounts'), null);
  assert.ok(readMounts()!.some((x) => x.mountPoint === '/'));
});

test('sysctl: dotted keys are paths under /proc/sys; missing keys read as null', () => {
  assert.equal(sysctlFile('net.core.somaxconn'), '/proc/sys/net/core/somaxconn');
  assert.match(readSysctl('kernel.ostype') ?? '', /^Linux$/);
  assert.equal(readSysctl('kernel.no_such_key'), null);
  assert.equal(readSysctl('vm.swappiness', FIX_ROOT), null);
});

test('readers on a fixture root: parsed where present, null/undefined where missing', () => {
  assert.deepEqual(listPids(FIX_ROOT).sort((a, b) => a - b), [1, 2, 77, 4242]);
  assert.equal(readPidStat(4242, FIX_ROOT)?.comm, 'x) (y z');
  assert.equal(readPidStat(9999, FIX_ROOT), null);
  assert.equal(readPidStatus(77, FIX_ROOT)?.uid, 1001);
  assert.equal(readPidIo(77, FIX_ROOT), null);
  assert.deepEqual(readCmdline(77, FIX_ROOT), []);
  assert.deepEqual(listTids(77, FIX_ROOT), []);
  assert.deepEqual(listProcesses(FIX_ROOT).map((p) => p.pid).sort((a, b) => a - b), [1, 2, 77, 4242]);
  assert.equal(readSystemStat(FIX_ROOT)?.cpus, 4);
  assert.equal(readMeminfo(FIX_ROOT)?.get('MemTotal'), 8_000_000);
  assert.equal(readVmstat(FIX_ROOT)?.get('pswpout'), 20);
  assert.equal(readPressure('cpu', FIX_ROOT)?.some.total, 8149441);
  assert.equal(readPressure('cpu', path.join(FIX, 'nopsi')), undefined);
  assert.equal(readNetstat(FIX_ROOT), undefined, 'the fixture has no net/netstat');
  assert.equal(readSystemStat(path.join(FIX, 'nopsi')), undefined);
});

test('this machine: a child is read back as itself, alive until it is gone', async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  const pid = child.pid!;
  try {
    const stat = readPidStat(pid)!;
    assert.equal(stat.ppid, process.pid);
    assert.ok(stat.startTime > 0);
    assert.ok(listPids().includes(pid));
    assert.ok(isAlive(pid, stat.startTime));
    assert.equal(isAlive(pid, stat.startTime + 1), false, 'another start time is another process');
    assert.deepEqual(descendants(process.pid).filter((p) => p.pid === pid).length, 1);
    assert.deepEqual(readCmdline(pid), ['sleep', '30']);
    assert.equal(readPidStatus(pid)?.uid, process.getuid!());
    assert.ok(readPidStatus(pid)!.cpusAllowed!.length >= 1);
    assert.ok(readPidIo(pid));
    assert.ok(readPidLink(pid, 'exe')?.endsWith('sleep'));
    assert.deepEqual(listTids(pid), [pid]);
    assert.ok(readSchedstat(pid, pid));
    assert.ok(readSystemStat()!.cpus >= 1);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  assert.equal(isAlive(pid), false);
  assert.equal(readPidStat(pid), null);
  assert.deepEqual(readCmdline(pid), []);
});

test('readSeqFile: a file in one read where it fits, and whole beyond the buffer', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-seq-'));
  try {
    const small = path.join(dir, 'small');
    fs.writeFileSync(small, 'sl local_address\n0: 0100007F:1F90\n');
    assert.equal(readSeqFile(small), 'sl local_address\n0: 0100007F:1F90\n');
    const big = path.join(dir, 'big');
    const text = 'x'.repeat(700_001);
    fs.writeFileSync(big, text);
    assert.equal(readSeqFile(big), text);
    assert.match(readSeqFile('/proc/net/tcp'), /^\s*sl\s+local_address/);
    assert.throws(() => readSeqFile(path.join(dir, 'missing')), /ENOENT/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
