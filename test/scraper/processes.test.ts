import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { validateEvent, type EventOf } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { parsePidStat, readPidStat } from '../../lib/procfs/pid.js';
import { ProcessSource, rankProcesses, type ProcSample } from '../../scraper/processes.js';
import { sampleTime } from '../../scraper/source.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');
const read = (p: string) => fs.readFileSync(path.join(FIX, p), 'utf8');
type Proc = EventOf<'process'>;

test('ranking: top N by CPU (only those that ran) and by RSS, ties by pid', () => {
  const s = (pid: number, cpu_pct: number, rss_kb: number): ProcSample => ({
    stat: { ...parsePidStat(read('root/1/stat')), pid }, cpu_pct, major_faults_per_s: 0, rss_kb,
  });
  const r = rankProcesses([s(1, 0, 500), s(2, 50, 0), s(3, 10, 900), s(4, 50, 100), s(5, 5, 900)], 2);
  assert.deepEqual(r.cpu.map((p) => p.stat.pid), [2, 4]);
  assert.deepEqual(r.rss.map((p) => p.stat.pid), [3, 5]);
  assert.deepEqual(rankProcesses([s(1, 0, 0)], 5), { cpu: [], rss: [] });
});

test('fixture /proc: nothing on the first round, then RSS ranking with uid and start time', () => {
  const src = new ProcessSource({ procRoot: path.join(FIX, 'root'), sysRoot: '/sys', warnOnce: () => {} }, { top: 5 });
  assert.deepEqual(src.sample({ ts: 1.7e9, mono: 0 }), []);
  const events = src.sample({ ts: 1.7e9, mono: 1 }).map((e) => validateEvent(e, 1.7e9) as Proc);
  assert.ok(events.every((e) => e.rank_by === 'rss'), 'static counters: nobody used CPU');
  assert.deepEqual(events.map((e) => [e.pid, e.rss_kb, e.uid]), [[77, 200000, 1001], [1, 12000, 0], [4242, 10000, 1000]]);
  const weird = events.find((e) => e.pid === 4242)!;
  assert.equal(weird.comm, 'x) (y z');
  assert.equal(weird.start_time, 12345);
  assert.equal(weird.nice, -5);
  assert.equal(weird.threads, 3);
});

test('this machine: a busy child is top by CPU with its pid and start time', async (t) => {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((r) => child.on('spawn', r));
  const src = new ProcessSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} }, { top: 5 });
  assert.deepEqual(src.sample(sampleTime()), []);
  await new Promise((r) => setTimeout(r, 700));
  const events = src.sample(sampleTime()).map((e) => validateEvent(e) as Proc);
  const byCpu = events.filter((e) => e.rank_by === 'cpu');
  const byRss = events.filter((e) => e.rank_by === 'rss');
  assert.ok(byCpu.length >= 1 && byCpu.length <= 5);
  assert.equal(byRss.length, 5);
  const mine = byCpu.find((e) => e.pid === child.pid);
  assert.ok(mine, `child ${child.pid} in top CPU: ${JSON.stringify(byCpu.map((e) => [e.pid, e.comm, e.cpu_pct]))}`);
  assert.ok(mine.cpu_pct > 20 && mine.cpu_pct <= 105, `cpu_pct ${mine.cpu_pct}`);
  assert.equal(mine.start_time, readPidStat(child.pid!)?.startTime);
  assert.equal(mine.ppid, process.pid);
  assert.equal(mine.uid, process.getuid!());
  for (let i = 1; i < byRss.length; i++) assert.ok(byRss[i - 1].rss_kb >= byRss[i].rss_kb, 'sorted by RSS');
});

test('this machine: a process born between rounds is measured from zero, not skipped', async (t) => {
  const src = new ProcessSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} }, { top: 5 });
  src.sample(sampleTime());
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((r) => child.on('spawn', r));
  await new Promise((r) => setTimeout(r, 700));
  const mine = src.sample(sampleTime()).find((e) => (e as Proc).pid === child.pid && (e as Proc).rank_by === 'cpu') as Proc | undefined;
  assert.ok(mine, 'newborn busy child appears in the CPU ranking');
  assert.ok(mine.cpu_pct > 20 && mine.cpu_pct <= 105, `cpu_pct ${mine.cpu_pct}`);
});
