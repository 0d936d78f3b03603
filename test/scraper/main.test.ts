// The scraper binary as the supervisor runs it: a child process printing NDJSON.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVENT_SPECS, validateEvent, type EventOf, type EventType, type KsEvent } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';

const MAIN = path.join(ROOT, 'dist/scraper/main.js');
const FIX = path.join(ROOT, 'test/fixtures/proc');
const SCRAPER_TYPES: EventType[] = ['memory', 'load', 'cpu', 'block', 'net_if', 'tcp', 'psi', 'vmstat', 'process'];

interface Run { child: ChildProcess; logDir: string; lines: string[]; stderr: () => string; exited: Promise<number | null> }

function start(t: TestContext, args: string[], opts: { read?: boolean } = {}): Run {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-scraper-'));
  const child = spawn(process.execPath, [MAIN, '--log-dir', logDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KS_SUPERVISED: '1' },
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    fs.rmSync(logDir, { recursive: true, force: true });
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const lines: string[] = [];
  let partial = '';
  if (opts.read !== false) {
    child.stdout!.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
    });
  }
  return { child, logDir, lines, stderr: () => err, exited };
}

async function until(what: string, cond: () => boolean, maxMs = 30_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const parse = (lines: string[]): KsEvent[] => lines.map((l) => validateEvent(JSON.parse(l)));
function logText(run: Run): string {
  try {
    return fs.readFileSync(path.join(run.logDir, 'scraper.log'), 'utf8');
  } catch {
    return ''; // not created yet
  }
}

test('real run: every line valid, every scraper type appears, SIGTERM exits 0', async (t) => {
  const run = start(t, ['--interval', '0.5']);
  const seen = new Set<string>();
  await until('all scraper event types', () => {
    for (const l of run.lines.splice(0)) {
      const e = validateEvent(JSON.parse(l)); // throws on any invalid line
      seen.add(e.type);
      assert.ok(SCRAPER_TYPES.includes(e.type), `unexpected type ${e.type}`);
      for (const k of Object.keys(JSON.parse(l))) assert.ok(k in EVENT_SPECS[e.type].fields || ['v', 'type', 'ts'].includes(k), `extra key ${e.type}.${k}`);
    }
    return seen.size === SCRAPER_TYPES.length;
  });
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  assert.equal(run.stderr(), '');
  assert.match(logText(run), /stopping \(SIGTERM\)/);
});

test('--once on fixture trees: one round with rates, exact values', async (t) => {
  const run = start(t, ['--once', '--interval', '0.2', '--proc-root', path.join(FIX, 'root'), '--sys-root', path.join(FIX, 'sys')]);
  assert.equal(await run.exited, 0);
  const events = parse(run.lines);
  const of = <T extends EventType>(type: T) => events.filter((e) => e.type === type) as unknown as EventOf<T>[];
  assert.deepEqual(new Set(events.map((e) => e.type)), new Set(SCRAPER_TYPES));
  assert.equal(of('memory').length, 1, 'the baseline round is not printed');
  assert.equal(of('memory')[0].used_fraction, 0.75);
  assert.equal(of('load')[0].cpus, 4);
  const cpu = of('cpu')[0];
  assert.ok(cpu.interval_s >= 0.15, `interval_s ${cpu.interval_s} is the measured gap between the two samples`);
  assert.deepEqual(of('block').map((e) => [e.dev, e.in_flight]), [['dm-0', 1], ['nvme0n1', 0], ['vda', 2], ['zram0', 0]]);
  assert.deepEqual(of('net_if').map((e) => e.iface), ['eth0', 'veth1a2b-c.3', 'br-1234abcd5678', 'tun@0']);
  const tcp = of('tcp')[0];
  assert.deepEqual([tcp.total, tcp.established, tcp.listen, tcp.time_wait, tcp.retrans_ratio], [21, 5, 3, 5, 0]);
  assert.deepEqual(of('psi').map((e) => [e.resource, e.full_avg10 ?? null]), [['cpu', null], ['memory', 0.01], ['io', 2.5]]);
  assert.equal(of('vmstat')[0].oom_kill_delta, 0);
  assert.deepEqual(of('process').map((e) => [e.pid, e.comm, e.rank_by]), [[77, 'my prog', 'rss'], [1, 'systemd', 'rss'], [4242, 'x) (y z', 'rss']]);
});

test('missing sources are reported once each and skipped; the rest goes on', async (t) => {
  const run = start(t, ['--once', '--interval', '0.1', '--proc-root', path.join(FIX, 'nopsi'), '--sys-root', path.join(FIX, 'nopsi')]);
  assert.equal(await run.exited, 0);
  assert.deepEqual(parse(run.lines).map((e) => e.type), ['load']);
  const log = logText(run);
  for (const name of ['memory', 'cpu', 'disks', 'network', 'tcp', 'pressure', 'vmstat']) {
    assert.equal(log.match(new RegExp(`source ${name} unavailable`, 'g'))?.length, 1, `${name} reported once:\n${log}`);
  }
});

test('stdout closed by the reader: exits 0 quietly', async (t) => {
  const run = start(t, ['--interval', '0.05']);
  await until('first line', () => run.lines.length > 0);
  run.child.stdout!.destroy();
  assert.equal(await run.exited, 0);
  assert.doesNotMatch(run.stderr(), /EPIPE|Error/);
  assert.match(logText(run), /stopping \(stdout closed\)/);
});

test('stdout not read: rounds are dropped and counted, output stays whole lines', async (t) => {
  const run = start(t, ['--interval', '0.02', '--top', '100', '--include-loop'], { read: false });
  await until('a dropped round', () => /dropping rounds/.test(logText(run)));
  let text = '';
  run.child.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
  await until('stdout to drain', () => /drained after \d+ dropped rounds/.test(logText(run)));
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.ok(lines.length > 0);
  for (const l of lines) validateEvent(JSON.parse(l));
  const stop = /stopping \(SIGTERM\): (\d+) rounds written, (\d+) dropped/.exec(logText(run));
  assert.ok(stop && Number(stop[2]) > 0, `drops counted: ${stop?.[0]}`);
});

test('bad flags are refused with a non-zero exit', async (t) => {
  const run = start(t, ['--interval', '-1']);
  assert.notEqual(await run.exited, 0);
  assert.match(run.stderr(), /--interval must be/);
});
