// Status: the pure renderers, the read-only database figures, and both views
// from a real supervisor (plain lines on a pipe, the live view on a terminal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../lib/db.js';
import type { ComponentStatus } from '../../lib/supervisor-state.js';
import { StatusDb } from '../../supervisor/status-db.js';
import { renderLive, renderPlain, type StatusFacts } from '../../supervisor/status.js';
import { START, cleanup, fixture, startSupervisor, type Run } from './helpers.js';
import { tempDir, waitFor } from '../../harness/wait.js';

const children: ComponentStatus[] = [
  { name: 'ingestion', role: 'sink', state: 'up', pid: 10, restarts: 0, upSince: 0 },
  { name: 'syscall', role: 'producer', state: 'unavailable', restarts: 0, reason: 'BTF not found', fix: 'rebuild the kernel' },
  { name: 'sched', role: 'producer', state: 'backoff', restarts: 2, reason: 'killed by SIGKILL' },
];
const facts: StatusFacts = { children, db: { eventsPerSec: 12.5, openSignals: 3, lastAction: 'renice on x (dry_run)' }, dropped: 7, startedAt: 0, dbPath: '/d/ks.db', now: 65_000 };

test('the live view: one row per component with state, restarts and the reason, and the figures', () => {
  const lines = renderLive(facts, ['12:00:00 sched killed by SIGKILL'], 200);
  assert.match(lines[0], /KernelSight +up 1m05s +db \/d\/ks\.db/);
  assert.match(lines[1], /ingestion .*up.* restarts 0 +pid 10 +up 1m05s/);
  assert.match(lines[2], /syscall .*unavailable.* BTF not found — fix: rebuild the kernel/);
  assert.match(lines[3], /sched .*backoff.* restarts 2 +restarting \(killed by SIGKILL\)/);
  assert.match(lines[4], /events\/s 12\.5 +open signals 3 +dropped lines 7 +last agent action: renice on x \(dry_run\)/);
  assert.match(lines[5], /12:00:00 sched killed/);
  for (const l of renderLive(facts, [], 40)) assert.ok(l.replace(/\x1b\[\d+m/g, '').length <= 40, `line wider than the terminal: ${l}`);
});

test('the plain line names every component and its state', () => {
  assert.equal(renderPlain(facts), 'status: ingestion=up syscall=unavailable sched=backoff(restarts 2) | events/s 12.5   open signals 3   dropped lines 7   last agent action: renice on x (dry_run)');
});

test('a component the supervisor gave up on shows as FAILED with its last error, in both views', () => {
  const gaveUp: ComponentStatus = { name: 'agent', role: 'worker', state: 'failed', restarts: 5, reason: 'exit 1; 5 failures within 60 s; last stderr: ReferenceError: WebAssembly is not defined', fix: 'see logs/production/supervisor.log' };
  const f = { ...facts, children: [...children, gaveUp] };
  const live = renderLive(f, [], 200);
  assert.match(live[4]!.replace(/\x1b\[\d+m/g, ''), /agent +FAILED +restarts 5 +exit 1; 5 failures .*WebAssembly is not defined — fix: see logs/);
  assert.match(renderPlain(f), /agent=FAILED\(restarts 5\) \| .* \| agent FAILED: exit 1; 5 failures within 60 s; last stderr: ReferenceError: WebAssembly is not defined$/);
});

test('database figures: events/s from collectors, open signals, last agent action; missing tables are unknown, not errors', (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ks.db');
  const missing = new StatusDb(file);
  assert.deepEqual(missing.read(), {}, 'no database yet');
  const db = openDatabase(file);
  db.exec("INSERT INTO collectors (name, event_count, updated_at) VALUES ('syscall', 100, 0), ('memory', 50, 0)");
  const sdb = new StatusDb(file);
  const first = sdb.read(1000);
  assert.equal(first.totalEvents, 150);
  assert.equal(first.eventsPerSec, undefined);
  db.exec("UPDATE collectors SET event_count = event_count + 100 WHERE name = 'syscall'");
  db.prepare(`INSERT INTO signal_metadata (timestamp, signal_category, signal_type, scope, semantic_label, severity, pressure_score,
    summary, first_seen, last_seen, max_severity, status, dedup_key) VALUES (1, 'symptom', 'memory_pressure', 'system', 'x', 'high', 0.9, 's', 1, 1, 'high', ?, ?)`).run('open', 'a');
  db.prepare(`INSERT INTO signal_metadata (timestamp, signal_category, signal_type, scope, semantic_label, severity, pressure_score,
    summary, first_seen, last_seen, max_severity, status, dedup_key) VALUES (1, 'symptom', 'memory_pressure', 'system', 'x', 'high', 0.9, 's', 1, 1, 'high', ?, ?)`).run('resolved', 'b');
  const second = sdb.read(3000);
  assert.equal(second.eventsPerSec, 50);
  assert.equal(second.openSignals, 1);
  // openDatabase's migrations create the agent's real tables: an empty trail reads as "none yet".
  assert.equal(sdb.read(4000).lastAction, 'none yet');
  db.prepare(`INSERT INTO agent_actions (ts, action, params_json, target_pid, target_comm, status, decided_by, signal_ids, prev_hash, hash)
    VALUES (?, 'lower_process_priority', '{}', 4242, ?, 'dry_run', 'rules', '[]', 'p', 'h')`).run(1_800_000_000, 'evil\x1b[2Jname');
  const last = sdb.read(5000).lastAction!;
  assert.match(last, /^lower_process_priority on evil\\u001b\[2Jname \(dry_run\) at \d\d:\d\d:\d\d$/, 'process names are escaped before reaching the terminal');
  db.prepare(`INSERT INTO agent_actions (ts, ref_action_id, action, params_json, target_pid, status, decided_by, signal_ids, prev_hash, hash)
    VALUES (?, 1, 'lower_process_priority', '{}', 4242, 'verified', 'rules', '[]', 'h', 'h2')`).run(1_800_000_060);
  assert.match(sdb.read(6000).lastAction!, /^lower_process_priority on 4242 \(verified\) at \d\d:\d\d:\d\d$/, 'the newest row, an update of the decision; the pid when no name was recorded');
  sdb.close();
  db.close();
});

test('without a terminal: a plain line per state change and a status line per interval', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  run = startSupervisor(dir, [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log'),
    fixture(dir, 'steady', 'producer', 'forever.js'),
  ], { args: ['--status-interval', '1'] });
  await waitFor(() => /status: ingestion=up steady=up \| events\/s/.test(run!.output()), 'a status line');
  assert.match(run.output(), /^\S+Z ingestion started \(pid \d+\)$/m);
  assert.doesNotMatch(run.output(), /\x1b\[/, 'no terminal escapes on a pipe');
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
});

test('on a terminal: the live view redraws in place and gives the cursor back at the end', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  const script = spawn('script', ['-qfec', `${process.execPath} ${START} --components-file ${path.join(dir, 'components.json')} --db ${path.join(dir, 'data', 'ks.db')} --log-dir ${path.join(dir, 'logs')}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let screen = '';
  script.stdout!.on('data', (c: Buffer) => (screen += c.toString()));
  const exited = new Promise<number | null>((r) => script.on('exit', (code) => r(code)));
  t.after(async () => {
    script.kill('SIGKILL');
    await cleanup(run, dir);
  });
  fs.writeFileSync(path.join(dir, 'components.json'), JSON.stringify({ waitForDbMs: 0, components: [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log'),
    fixture(dir, 'steady', 'producer', 'forever.js'),
  ] }));
  const statePath = path.join(dir, 'data', 'supervisor.state.json');
  await waitFor(() => screen.split('\x1b[J').length > 3 && /steady +\S*up/.test(screen), 'a few redraws of the live view');
  const pid = (JSON.parse(fs.readFileSync(statePath, 'utf8')) as { pid: number }).pid;
  process.kill(pid, 'SIGTERM');
  assert.equal(await exited, 0);
  assert.match(screen, /\x1b\[\?25l/, 'cursor hidden while drawing');
  assert.match(screen, /\x1b\[\d+F\x1b\[J/, 'redraws move up over the previous picture');
  assert.match(screen, /KernelSight +up/);
  assert.match(screen, /events\/s/);
  assert.match(screen, /\x1b\[\?25h[^]*$/, 'cursor shown again at the end');
  assert.match(screen, /steady +\S*stopped/);
});
