// The real system under `npm start`'s entry point: real ingest, scraper, eBPF
// tracers and (when built) the agent, under a light stress-ng workload. Skips,
// saying why, when a component is not built yet or we are not root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../lib/db.js';
import { DIST, TRACER_BIN_DIR } from '../../lib/paths.js';
import { TRACER_ENTRIES } from '../../lib/producers.js';
import { readState, stateFilePath, type SupervisorState } from '../../lib/supervisor-state.js';
import { START, processesWith, sleep } from './helpers.js';
import { descendants, isAlive } from '../../lib/procfs/tree.js';
import { tempDir, waitFor } from '../../harness/wait.js';

const required = [
  path.join(DIST, 'ingest', 'main.js'),
  path.join(DIST, 'scraper', 'main.js'),
  ...TRACER_ENTRIES.map((e) => path.join(TRACER_BIN_DIR, e.binary)),
];
const missing = required.filter((f) => !fs.existsSync(f));
const skip = process.getuid?.() !== 0 ? 'the eBPF tracers need root' : missing.length ? `not built yet: ${missing.join(', ')}` : false;
const hasAgent = fs.existsSync(path.join(DIST, 'agent', 'main.js'));
// The readers (/metrics, the dashboard) run in the agent's process; only without an agent in an exporter of their own.
const COMPONENTS = ['ingestion', 'scraper', ...TRACER_ENTRIES.map((e) => e.name), ...(hasAgent ? ['agent'] : ['exporter'])];
/** A table each component fills (the agent writes its own audit tables). */
const TABLE_OF: Record<string, string> = {
  scraper: 'memory_metrics', syscall: 'syscall_events', sched: 'sched_events',
  page_fault: 'page_fault_events', io_latency: 'io_latency_stats', agent: 'agent_cycles', ingestion: 'collectors',
};
/** Components that write no table of their own (the exporter only reads). */
const READERS = new Set(['exporter']);

interface System {
  proc: ChildProcess;
  dir: string;
  db: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  state(): SupervisorState | undefined;
}

function startSystem(dir: string): System {
  const db = path.join(dir, 'data', 'ks.db');
  const env = { ...process.env };
  delete env.GEMINI_API_KEY; // rules only: no network here
  const proc = spawn(process.execPath, [START, '--db', db, '--log-dir', path.join(dir, 'logs'), '--scrape-interval', '1',
    '--agent-interval', '5', '--dry-run', '--status-interval', '5', '--metrics-listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'ignore'], env });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const state = (): SupervisorState | undefined => readState(stateFilePath(db));
  return { proc, dir, db, exited, state };
}

function allUp(s: System): boolean {
  const st = s.state();
  return COMPONENTS.every((n) => st?.components.find((c) => c.name === n)?.state === 'up');
}

function count(db: string, sql: string): number {
  try {
    const h = openDatabase(db, { readonly: true });
    try {
      return (h.prepare(sql).get() as { n: number }).n;
    } finally {
      h.close();
    }
  } catch {
    return 0; // not created yet
  }
}

/** Every process the supervisor started, with start times (tracers do not carry our marker). */
function ourTree(s: System): { pid: number; start: number }[] {
  return descendants(s.proc.pid!).map((p) => ({ pid: p.pid, start: p.startTime }));
}

async function teardown(s: System | undefined, load: ChildProcess | undefined, dir: string): Promise<void> {
  load?.kill('SIGKILL');
  if (s && s.proc.exitCode === null && s.proc.signalCode === null) {
    const tree = ourTree(s);
    s.proc.kill('SIGKILL');
    for (const p of tree) if (isAlive(p.pid, p.start)) process.kill(p.pid, 'SIGKILL');
  }
  for (const p of processesWith(dir)) process.kill(p.pid, 'SIGKILL');
  await sleep(200);
  fs.rmSync(dir, { recursive: true, force: true });
}

test('npm start: every component writes rows and logs; a tracer killed with -9 comes back; SIGTERM stops all, exit 0', { skip }, async (t) => {
  const dir = tempDir();
  let sys: System | undefined;
  let load: ChildProcess | undefined;
  t.after(() => teardown(sys, load, dir));

  const startedAt = Date.now();
  sys = startSystem(dir);
  const s = sys;
  await waitFor(() => allUp(s), `all of ${COMPONENTS.join(', ')} up`, 60_000);
  // Light load: some CPU, some memory churn, some disk writes.
  load = spawn('stress-ng', ['--cpu', '1', '--cpu-load', '20', '--vm', '1', '--vm-bytes', '32M', '--hdd', '1', '--hdd-bytes', '8M', '--timeout', '40s', '--quiet'], { cwd: dir, stdio: 'ignore' });

  for (const name of COMPONENTS.filter((n) => !READERS.has(n))) {
    await waitFor(() => count(s.db, `SELECT COUNT(*) AS n FROM ${TABLE_OF[name]}`) > 0, `rows in ${TABLE_OF[name]} (from ${name})`, 60_000);
  }
  for (const name of new Set(['supervisor', ...COMPONENTS, 'exporter'])) {
    const file = path.join(dir, 'logs', `${name}.log`);
    await waitFor(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim().split('\n').length > 0, `lines in ${name}.log`);
  }

  const before = s.state()!.components.find((c) => c.name === 'sched')!;
  const killedAt = Date.now() / 1000;
  process.kill(before.pid!, 'SIGKILL');
  await waitFor(() => {
    const c = s.state()?.components.find((x) => x.name === 'sched');
    return c?.state === 'up' && c.pid !== before.pid && c.restarts >= 1;
  }, 'sched_tracer to come back', 30_000);
  await waitFor(() => count(s.db, `SELECT COUNT(*) AS n FROM sched_events WHERE timestamp > ${killedAt + 0.5}`) > 0, 'rows from the restarted sched_tracer', 30_000);

  // Let it run ~30 s in all, then nothing else may have restarted or failed.
  await sleep(Math.max(0, startedAt + 30_000 - Date.now()));
  for (const c of s.state()!.components) {
    assert.equal(c.state, 'up', `${c.name} is ${c.state}: ${c.reason ?? ''}`);
    assert.equal(c.restarts, c.name === 'sched' ? 1 : 0, `${c.name} restarted`);
  }

  const tree = ourTree(s);
  assert.ok(tree.length >= COMPONENTS.length, `expected at least ${COMPONENTS.length} processes under the supervisor, saw ${tree.length}`);
  s.proc.kill('SIGTERM');
  assert.deepEqual(await s.exited, { code: 0, signal: null });
  assert.deepEqual(tree.filter((p) => isAlive(p.pid, p.start)), [], 'processes of ours left after a clean stop');
  assert.deepEqual(processesWith(dir), []);
});

test('SIGKILL of the real supervisor: no process of ours remains', { skip }, async (t) => {
  const dir = tempDir();
  let sys: System | undefined;
  t.after(() => teardown(sys, undefined, dir));
  sys = startSystem(dir);
  const s = sys;
  await waitFor(() => allUp(s), 'all up', 60_000);
  const tree = ourTree(s);
  s.proc.kill('SIGKILL');
  await s.exited;
  await waitFor(() => tree.every((p) => !isAlive(p.pid, p.start)) && processesWith(dir).length === 0,
    `no orphans (left: ${tree.filter((p) => isAlive(p.pid, p.start)).map((p) => p.pid).join(' ')})`, 30_000);
});

test('degraded mode: without root (outside the kernelsight group, no capabilities to gain) the tracers are unavailable with reason and fix; ingest and scraper still run', { skip }, async (t) => {
  const dir = tempDir();
  fs.chmodSync(dir, 0o777);
  const db = path.join(dir, 'data', 'ks.db');
  const env = { ...process.env };
  delete env.GEMINI_API_KEY;
  // no_new_privs: exec does not grant the tracers the file capabilities setup gave them.
  const proc = spawn('setpriv', ['--no-new-privs', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, START,
    '--db', db, '--log-dir', path.join(dir, 'logs'), '--scrape-interval', '1', '--no-agent'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const sys: System = { proc, dir, db, exited: exited.then((code) => ({ code, signal: null })), state: () => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'data', 'supervisor.state.json'), 'utf8')) as SupervisorState;
    } catch {
      return undefined;
    }
  } };
  t.after(() => teardown(sys, undefined, dir));
  const tracers = TRACER_ENTRIES.map((e) => e.name);
  await waitFor(() => tracers.every((n) => sys.state()?.components.find((c) => c.name === n)?.state === 'unavailable'), `tracers unavailable:\n${out}`, 30_000);
  for (const c of sys.state()!.components.filter((x) => tracers.includes(x.name))) {
    assert.match(c.reason ?? '', /permission|privilege|root/i, `${c.name}: ${c.reason}`);
    assert.match(c.fix ?? '', /run as root/);
    assert.equal(c.restarts, 0);
  }
  await waitFor(() => count(db, 'SELECT COUNT(*) AS n FROM memory_metrics') > 0, 'scraper rows stored by ingest', 30_000);
  assert.equal(sys.state()!.components.find((c) => c.name === 'ingestion')?.state, 'up');
  assert.equal(sys.state()!.components.find((c) => c.name === 'scraper')?.state, 'up');
  const pid = sys.state()!.pid;
  process.kill(pid, 'SIGTERM');
  assert.equal(await exited, 0);
  // The tracers are root:kernelsight 0750 after setup (exec refused), else they start and exit 77.
  assert.match(out, /syscall unavailable( \(exited with code 77\)|: cannot start \S+: EACCES \(permission denied\))/);
});
