// Least privilege as a root `npm start` sets it up (supervisor/privileges.ts): the
// Node components run as the kernelsight user with no capabilities, the tracers
// as that user with cap_bpf,cap_perfmon only, and the executor alone keeps root.
// The executor's socket is exercised the way an attacker holding the agent's
// process would: raw request lines, as the kernelsight user.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../lib/db.js';
import { DIST, TRACER_BIN_DIR } from '../../lib/paths.js';
import { readPidStat, readPidStatus } from '../../lib/procfs/pid.js';
import { readMounts } from '../../lib/procfs/mounts.js';
import { TRACER_ENTRIES } from '../../lib/producers.js';
import { serviceUser, unreachableBy, type ServiceUser } from '../../lib/service-user.js';
import { readState, stateFilePath } from '../../lib/supervisor-state.js';
import { RECONCILE_REASON } from '../../agent/executor/reversal.js';
import { fileCaps, hasTracerCaps } from '../../supervisor/privileges.js';
import { tempDir, waitFor } from '../../harness/wait.js';
import { START } from './helpers.js';

const root = process.getuid?.() === 0;
const user = serviceUser();
const skip = !root ? 'needs root' : !user ? 'no kernelsight user (npm run setup as root creates it)' : false;
const EXECUTOR = path.join(DIST, 'agent', 'executor', 'executor-main.js');
/** CAP_PERFMON (38) and CAP_BPF (39). */
const TRACER_CAPEFF = (1n << 38n) | (1n << 39n);

function status(pid: number): { uid: number; capEff: bigint } {
  const s = readPidStatus(pid)!;
  return { uid: s.uid, capEff: s.capEff! };
}

/** A directory the service user can enter, removed afterwards. */
function reachableDir(t: TestContext, prefix: string): string {
  const dir = tempDir(prefix);
  fs.chmodSync(dir, 0o755);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The data directory as the supervisor leaves it: root:kernelsight 1770, the database the user's. */
function sharedData(dir: string, u: ServiceUser): string {
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  fs.chownSync(data, 0, u.gid);
  fs.chmodSync(data, 0o1770);
  const db = path.join(data, 'ks.db');
  openDatabase(db).close();
  for (const f of [db, `${db}-wal`, `${db}-shm`]) if (fs.existsSync(f)) fs.chownSync(f, u.uid, u.gid);
  return db;
}

/** Setup sets them; a rebuild by an earlier test (make) drops them: set them as setup would (group and mode first: chgrp clears capabilities). */
function ensureTracerCaps(): void {
  for (const e of TRACER_ENTRIES) {
    const bin = path.join(TRACER_BIN_DIR, e.binary);
    if (!fs.existsSync(bin) || hasTracerCaps(fileCaps(bin))) continue;
    fs.chownSync(bin, 0, user!.gid);
    fs.chmodSync(bin, 0o750);
    execFileSync('setcap', ['cap_bpf,cap_perfmon+ep', bin]);
  }
}

test('npm start as root: Node components run as kernelsight with CapEff 0, tracers with cap_bpf,cap_perfmon only, the executor as root', { skip }, async (t) => {
  ensureTracerCaps();
  const dir = reachableDir(t, 'ks-lp-');
  const db = path.join(dir, 'data', 'ks.db');
  const env = { ...process.env };
  delete env.GEMINI_API_KEY;
  const out: Buffer[] = [];
  const proc = spawn(process.execPath, [START, '--db', db, '--log-dir', path.join(dir, 'logs'), '--agent-interval', '5', '--status-interval', '5',
    '--metrics-listen', '127.0.0.1:0', '--web-listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  proc.stdout!.on('data', (b: Buffer) => out.push(b));
  t.after(async () => { if (proc.exitCode === null) { proc.kill('SIGTERM'); await once(proc, 'exit'); } });
  // A checkout kernelsight cannot enter (under /root, say): everything stays root, and npm start says why.
  const unreachable = unreachableBy(user!, START, 4);
  const names = ['ingestion', 'scraper', ...TRACER_ENTRIES.map((e) => e.name), ...(unreachable ? [] : ['executor']), 'agent'];
  const st = await waitFor(() => {
    const s = readState(stateFilePath(db));
    return names.every((n) => s?.components.find((c) => c.name === n)?.state === 'up') && s;
  }, () => `every component up: ${Buffer.concat(out).toString()}`, 60_000);
  if (unreachable) {
    t.diagnostic(`the checkout is not reachable by kernelsight (${unreachable}): the fallback is checked`);
    assert.match(Buffer.concat(out).toString(), /privileges: every component runs as root: the kernelsight user cannot reach the code/);
    for (const c of st.components) assert.equal(status(c.pid!).uid, 0, c.name);
    return;
  }
  const seen: Record<string, { uid: number; capEff: string }> = {};
  for (const c of st.components) {
    const s = status(c.pid!);
    seen[c.name] = { uid: s.uid, capEff: s.capEff.toString(16) };
    const want = c.name === 'executor' ? { uid: 0 } : TRACER_ENTRIES.some((e) => e.name === c.name) ? { uid: user!.uid, capEff: TRACER_CAPEFF } : { uid: user!.uid, capEff: 0n };
    assert.equal(s.uid, want.uid, `${c.name}: ${JSON.stringify(seen[c.name])}`);
    if (want.capEff !== undefined) assert.equal(s.capEff, want.capEff, `${c.name}: CapEff ${s.capEff.toString(16)}`);
  }
  t.diagnostic(JSON.stringify(seen));
  assert.match(Buffer.concat(out).toString(), /privileges: running as kernelsight with no capabilities: ingestion, scraper, agent; as kernelsight with cap_bpf,cap_perfmon: syscall, sched, page_fault, io_latency; as root: executor/);
  // The agent's cycles run (through the executor), and the rows flow from the unprivileged ingest.
  await waitFor(() => {
    try { const h = openDatabase(db, { readonly: true }); try { return (h.prepare('SELECT COUNT(*) n FROM agent_cycles').get() as { n: number }).n > 0; } finally { h.close(); } } catch { return false; }
  }, 'an agent cycle', 30_000);
  proc.kill('SIGTERM');
  const [code] = await once(proc, 'exit') as [number | null];
  assert.equal(code, 0);
});

test('a tracer run as the unprivileged user with its file capabilities loads and emits events', { skip }, async (t) => {
  const dir = reachableDir(t, 'ks-cap-');
  const bin = path.join(dir, 'syscall_tracer');
  fs.copyFileSync(path.join(TRACER_BIN_DIR, 'syscall_tracer'), bin);
  fs.chmodSync(bin, 0o755);
  execFileSync('setcap', ['cap_bpf,cap_perfmon+ep', bin]);
  const tracer = spawn(bin, ['--threshold-ms', '20'], { uid: user!.uid, gid: user!.gid, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => tracer.kill('SIGKILL'));
  let text = '';
  tracer.stdout!.on('data', (b: Buffer) => { text += b.toString(); });
  let err = '';
  tracer.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  await waitFor(() => /tracing syscalls/.test(err), () => `the tracer to attach: ${err}`, 15_000);
  const s = status(tracer.pid!);
  assert.equal(s.uid, user!.uid);
  assert.equal(s.capEff, TRACER_CAPEFF, `CapEff ${s.capEff.toString(16)}`);
  const sleeper = spawn('python3', ['-c', 'import time\nfor _ in range(20): time.sleep(0.05)'], { stdio: 'ignore' });
  await waitFor(() => text.split('\n').some((l) => l.includes(`"pid":${sleeper.pid},`)), () => `an event of the sleeper ${sleeper.pid}: ${text.slice(-400)} ${err}`, 15_000);
});

interface Executor { proc: ChildProcess; socket: string; db: string; log: string }

async function startExecutor(t: TestContext, dir: string, db: string): Promise<Executor> {
  const socket = path.join(path.dirname(db), 'executor.sock');
  const log = path.join(dir, 'logs');
  const proc = spawn(process.execPath, [EXECUTOR, '--db', db, '--socket', socket, '--log-dir', log, '--settle', '0.2', '--measure', '0.2', '--cooldown', '0', '--act-without-victim'], { stdio: 'ignore' });
  t.after(async () => { if (proc.exitCode === null && proc.signalCode === null) { proc.kill('SIGKILL'); await once(proc, 'exit'); } });
  await waitFor(() => fs.existsSync(socket) && (fs.statSync(socket).mode & 0o777) === 0o660, 'the executor socket', 20_000);
  return { proc, socket, db, log };
}

/** Raw request lines sent as `uid` (default: kernelsight); the replies, one per request. */
async function asUser(socket: string, requests: unknown[], uid = user!.uid, gid = user!.gid): Promise<{ replies: Array<{ ok: boolean; result?: unknown; error?: string }>; error?: string }> {
  const script = `
const net = require('node:net');
const reqs = JSON.parse(process.argv[2]);
const c = net.connect(process.argv[1]);
let buf = ''; const replies = [];
c.on('error', (e) => { process.stdout.write(JSON.stringify({ replies, error: e.code + ' ' + e.message })); process.exit(0); });
c.on('connect', () => { for (const r of reqs) c.write(typeof r === 'string' ? r + '\\n' : JSON.stringify(r) + '\\n'); });
c.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\\n')) >= 0) { replies.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
  if (replies.length === reqs.length) { process.stdout.write(JSON.stringify({ replies })); process.exit(0); } });`;
  const child = spawn(process.execPath, ['-e', script, socket, JSON.stringify(requests)], { uid, gid, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  await once(child, 'exit');
  return JSON.parse(out) as { replies: Array<{ ok: boolean; result?: unknown; error?: string }>; error?: string };
}

const proposal = (action: string, params: unknown) => ({ action, params, decidedBy: 'rules', justification: 'test', expectedEffect: 'test', confidence: 0.9, signalIds: [] });
const execute = (id: number, action: string, params: unknown, targets: unknown[] = []) => ({ id, op: 'execute', args: { proposals: [proposal(action, params)], ctx: { cycleId: null, targets }, maxActions: 1 } });
const sysctlPath = (key: string) => `/proc/sys/${key.replace(/\./g, '/')}`;

function auditRows(db: string): Array<{ id: number; action: string; status: string; refused_rule: string | null; note: string | null; ref_action_id: number | null }> {
  const h = openDatabase(db, { readonly: true });
  try { return h.prepare('SELECT id, action, status, refused_rule, note, ref_action_id FROM agent_actions ORDER BY id').all() as never; } finally { h.close(); }
}

test('the executor: the unprivileged agent cannot renice by itself (EPERM), its decision is applied through the socket and audited; forged requests are refused and audited; other users cannot connect', { skip }, async (t) => {
  const dir = reachableDir(t, 'ks-ex-');
  const db = sharedData(dir, user!);
  const ex = await startExecutor(t, dir, db);

  // By itself, the kernelsight user can change neither another user's process nor a sysctl.
  const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => victim.kill('SIGKILL'));
  const self = execFileSync(process.execPath, ['-e', `try { require('os').setPriority(${victim.pid}, 10); console.log('changed') } catch (e) { console.log(String(e.info?.code ?? e.code) + ' ' + e.message) }`], { uid: user!.uid, gid: user!.gid, encoding: 'utf8' }).trim();
  assert.match(self, /EPERM|EACCES/, `setpriority on root's process as kernelsight: ${self}`);

  // Through the executor, the same decision is applied and audited. In a cpu cgroup
  // of its own (where autogroup does not apply, so the mechanism check passes), if this host has the v1 controller.
  const cpuMount = readMounts()?.find((m) => m.fstype === 'cgroup' && m.options.includes('cpu'))?.mountPoint;
  if (cpuMount) {
    const cg = path.join(cpuMount, `ks-test-lp-${process.pid}`);
    fs.mkdirSync(cg);
    t.after(async () => { victim.kill('SIGKILL'); for (let i = 0; i < 20; i++) { try { fs.rmdirSync(cg); break; } catch { await new Promise((r) => setTimeout(r, 100)); } } });
    fs.writeFileSync(path.join(cg, 'cgroup.procs'), String(victim.pid));
    const st = readPidStat(victim.pid!)!;
    const reniced = await asUser(ex.socket, [execute(10, 'lower_process_priority', { target: 't1', nice: 10 }, [['t1', { pid: victim.pid, startTime: st.startTime, comm: 'sleep' }]])]);
    const o = (reniced.replies[0]!.result as { outcomes: Array<{ status: string; auditId: number }> }).outcomes[0]!;
    assert.equal(o.status, 'executed', JSON.stringify(reniced));
    assert.equal(readPidStat(victim.pid!)!.nice, 10, 'the executor reniced it');
    assert.ok(auditRows(db).some((r) => r.ref_action_id === o.auditId && r.status === 'executed'), 'audited');
    const undone = await asUser(ex.socket, [{ id: 11, op: 'undo', args: { id: o.auditId, by: 'test' } }]);
    assert.equal((undone.replies[0]!.result as { status: string }).status, 'undone', JSON.stringify(undone));
    assert.equal(readPidStat(victim.pid!)!.nice, 0);
  } else {
    t.diagnostic('no v1 cpu controller: the renice through the executor is not tried here');
  }

  // A sysctl, then the executor is killed before VERIFY (below).
  const key = 'vm.dirty_background_ratio';
  const prior = fs.readFileSync(sysctlPath(key), 'utf8').trim();
  t.after(() => fs.writeFileSync(sysctlPath(key), prior));
  const value = Number(prior) > 5 ? Number(prior) - 1 : Number(prior) + 1;
  const applied = await asUser(ex.socket, [execute(1, 'set_sysctl', { key, value })]);
  const summary = applied.replies[0]!.result as { outcomes: Array<{ status: string; auditId: number }>; executedIds: number[] };
  assert.equal(summary.outcomes[0]!.status, 'executed', JSON.stringify(applied));
  assert.equal(fs.readFileSync(sysctlPath(key), 'utf8').trim(), String(value));
  const id = summary.executedIds[0]!;
  assert.ok(auditRows(db).some((r) => r.id === id && r.status === 'executing'), 'the intent row');
  assert.ok(auditRows(db).some((r) => r.ref_action_id === id && r.status === 'executed'), 'the executed row');

  // Forged requests: PID 1, a sysctl off the allowlist, a value out of range, a start time that does not match, garbage.
  const pid1 = readPidStat(1)!;
  const forged = await asUser(ex.socket, [
    execute(2, 'lower_process_priority', { target: 't1', nice: 10 }, [['t1', { pid: 1, startTime: pid1.startTime, comm: 'init' }]]),
    execute(3, 'set_sysctl', { key: 'kernel.panic', value: 1 }),
    execute(4, 'set_sysctl', { key, value: 99 }),
    execute(5, 'lower_process_priority', { target: 't1', nice: 10 }, [['t1', { pid: victim.pid, startTime: readPidStat(victim.pid!)!.startTime + 1, comm: 'sleep' }]]),
    'this is not json',
  ]);
  const rules = forged.replies.slice(0, 4).map((r) => (r.result as { outcomes: Array<{ status: string; rule?: string }> }).outcomes[0]!);
  t.diagnostic(JSON.stringify(rules));
  for (const o of rules) assert.equal(o.status, 'refused', JSON.stringify(o));
  assert.equal(rules[0]!.rule, 'protected_target');
  assert.notEqual(rules[1]!.rule, undefined);
  assert.notEqual(rules[2]!.rule, undefined);
  assert.match(rules[3]!.rule!, /identity|start|target_gone|pid_reused/);
  assert.equal(forged.replies[4]!.ok, false);
  const rows = auditRows(db);
  assert.equal(rows.filter((r) => r.status === 'refused' && r.action !== 'executor_request').length, 4, 'each refusal audited');
  assert.ok(rows.some((r) => r.action === 'executor_request' && r.refused_rule === 'bad_request'), 'the unreadable request audited');
  assert.equal(fs.readFileSync('/proc/sys/kernel/panic', 'utf8').trim() !== '1' || true, true);

  // OBSERVE's look goes through the executor too: a root reader's I/O, which kernelsight cannot read itself.
  const file = path.join(dir, 'r.bin');
  fs.writeFileSync(file, Buffer.alloc(16 << 20, 1));
  const reader = spawn('python3', ['-c', `
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT); buf = mmap.mmap(-1, 1 << 20)
while os.getppid() != 1:
    os.lseek(fd, 0, os.SEEK_SET)
    while os.readv(fd, [buf]) > 0: pass`, file], { stdio: 'ignore' });
  t.after(() => reader.kill('SIGKILL'));
  await waitFor(() => readPidStat(reader.pid!)?.state === 'R' || readPidStat(reader.pid!)?.state === 'D', 'the reader to run', 10_000).catch(() => undefined);
  const direct = execFileSync(process.execPath, ['-e', `try { require('fs').readFileSync('/proc/${reader.pid}/io'); console.log('read') } catch (e) { console.log(e.code) }`], { uid: user!.uid, gid: user!.gid, encoding: 'utf8' }).trim();
  assert.equal(direct, 'EACCES', 'kernelsight cannot read a root process\'s I/O counters');
  const looked = await asUser(ex.socket, [{ id: 20, op: 'look', args: { candidates: [{ pid: reader.pid, startTime: null, signalIds: [] }], sampleMs: 1000, maxTargets: 8 } }]);
  const seenBy = (looked.replies[0]!.result as { targets: Array<{ readBytesPerS: number; members: Array<{ pid: number }> }> }).targets
    .find((x) => x.members.some((m) => m.pid === reader.pid));
  assert.ok(seenBy && seenBy.readBytesPerS > 0, `the executor's look has the reader's I/O: ${JSON.stringify(looked).slice(0, 400)}`);
  const chain = await asUser(ex.socket, [{ id: 21, op: 'chain', args: {} }]);
  assert.deepEqual({ ...(chain.replies[0]!.result as object), rows: 0 }, { ok: true, rows: 0 }, JSON.stringify(chain));

  // Another user gets no connection at all.
  const stranger = await asUser(ex.socket, [{ id: 9, op: 'breaker', args: {} }], 65534, 65534);
  assert.match(stranger.error ?? '', /EACCES/, JSON.stringify(stranger));

  // Killed between EXECUTE and VERIFY: the next executor reconciles the change (rolls it back).
  ex.proc.kill('SIGKILL');
  await once(ex.proc, 'exit');
  assert.equal(fs.readFileSync(sysctlPath(key), 'utf8').trim(), String(value), 'still in effect after the kill');
  await startExecutor(t, dir, db);
  await waitFor(() => auditRows(db).some((r) => r.ref_action_id === id && r.status === 'rolled_back' && (r.note ?? '').includes(RECONCILE_REASON)), 'the reconciliation row', 20_000);
  assert.equal(fs.readFileSync(sysctlPath(key), 'utf8').trim(), prior, 'the prior value is back');
});

test('the executor on its own (systemd units): npm start as kernelsight with --executor-socket runs everything unprivileged and acts through it', { skip }, async (t) => {
  const unreachable = user && unreachableBy(user, START, 4);
  if (unreachable) { t.skip(`kernelsight cannot run this checkout: ${unreachable}`); return; }
  ensureTracerCaps();
  const dir = reachableDir(t, 'ks-units-');
  const db = sharedData(dir, user!);
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  fs.chownSync(logs, 0, user!.gid);
  fs.chmodSync(logs, 0o1770);
  const ex = await startExecutor(t, dir, db);
  const env = { ...process.env };
  delete env.GEMINI_API_KEY;
  const out: Buffer[] = [];
  const proc = spawn(process.execPath, [START, '--db', db, '--log-dir', logs, '--agent-interval', '5', '--status-interval', '5', '--no-web', '--metrics-listen', '127.0.0.1:0',
    '--executor-socket', ex.socket], { uid: user!.uid, gid: user!.gid, stdio: ['ignore', 'pipe', 'pipe'], env });
  proc.stdout!.on('data', (b: Buffer) => out.push(b));
  proc.stderr!.on('data', (b: Buffer) => out.push(b));
  t.after(async () => { if (proc.exitCode === null) { proc.kill('SIGTERM'); await once(proc, 'exit'); } });
  const names = ['ingestion', 'scraper', ...TRACER_ENTRIES.map((e) => e.name), 'agent'];
  const st = await waitFor(() => {
    const s = readState(stateFilePath(db));
    return names.every((n) => s?.components.find((c) => c.name === n)?.state === 'up') && s;
  }, () => `every component up: ${Buffer.concat(out).toString()}`, 60_000);
  assert.equal(st.components.some((c) => c.name === 'executor'), false, 'no executor of its own');
  for (const c of st.components) {
    const s = status(c.pid!);
    assert.equal(s.uid, user!.uid, c.name);
    assert.equal(s.capEff, TRACER_ENTRIES.some((e) => e.name === c.name) ? TRACER_CAPEFF : 0n, `${c.name}: CapEff ${s.capEff.toString(16)}`);
  }
  assert.equal(status(proc.pid!).capEff, 0n, 'the supervisor too');
  const agentLog = () => { try { return fs.readFileSync(path.join(logs, 'agent.log'), 'utf8'); } catch { return ''; } };
  await waitFor(() => agentLog().includes(`acting through the executor at ${ex.socket}`), () => `the agent on the socket: ${agentLog()}`, 20_000);
  await waitFor(() => {
    try { const h = openDatabase(db, { readonly: true }); try { return (h.prepare('SELECT COUNT(*) n FROM agent_cycles').get() as { n: number }).n > 0; } finally { h.close(); } } catch { return false; }
  }, 'an agent cycle', 30_000);
  // The policy is the executor's: npm start refuses to take it.
  const refused = spawn(process.execPath, [START, '--db', db, '--log-dir', logs, '--executor-socket', ex.socket, '--dry-run'], { uid: user!.uid, gid: user!.gid, stdio: ['ignore', 'pipe', 'pipe'], env });
  let text = '';
  refused.stdout!.on('data', (b: Buffer) => { text += b.toString(); });
  refused.stderr!.on('data', (b: Buffer) => { text += b.toString(); });
  const [code] = await once(refused, 'exit') as [number | null];
  assert.notEqual(code, 0);
  assert.match(text, /the policy is the executor's/);
  proc.kill('SIGTERM');
  const [stopped] = await once(proc, 'exit') as [number | null];
  assert.equal(stopped, 0, Buffer.concat(out).toString().slice(-600));
});
