// SyscallSemanticClassifier through the engine, on a real database: a recorded
// fsync writer, and edge cases with a live process for a real (pid, start time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSignalEngine } from '../../../ingest/signals/index.js';
import { processIdentity } from '../../../ingest/signals/proc.js';
import { ctx, ev, readFixture, replay, signals, tempDb } from './helpers.js';

async function liveProcess(t: import('node:test').TestContext): Promise<{ pid: number; start: number }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((r) => child.once('spawn', r));
  return { pid: child.pid!, start: processIdentity(child.pid!, 'sleep').startTime };
}

test('recorded fsync writer: one blocking_io signal naming its pid and the worst fsync', async (t) => {
  const { db } = tempDb(t);
  const events = await readFixture('fsync-writer.ndjson');
  const writer = events.find((e) => e.type === 'syscall');
  assert.ok(writer && writer.type === 'syscall', 'fixture holds syscall events');
  replay(createSignalEngine({ cpus: 2 }), db, events);
  const rows = signals(db, 'blocking_io');
  assert.equal(rows.length, 1, 'one row for the whole episode');
  const [s] = rows;
  assert.equal(s.entity_type, 'process');
  assert.match(s.entity_id, new RegExp(`^${writer.pid}:\\d+$`));
  assert.equal(s.entity_name, 'fsync-writer');
  assert.equal(s.dedup_key, `blocking_io|process|${s.entity_id}`);
  assert.match(s.summary, new RegExp(`^fsync-writer \\(pid ${writer.pid}\\) \\w+\\(\\) blocked \\d+ ms`));
  assert.ok(s.occurrence_count >= 3);
  assert.ok(s.pressure_score >= 0.25 && s.pressure_score <= 1);
  assert.equal(s.source_table, 'syscall_events');
  const raw = db.prepare('SELECT syscall, latency_ms, pid FROM syscall_events WHERE id = ?').get(s.source_id) as { pid: number };
  assert.equal(raw.pid, writer.pid, 'source_id links to the raw row');
  assert.ok(ctx(s).by_syscall.fsync >= 1, 'fsync counted');
  assert.equal(ctx(s).by_syscall.epoll_pwait, undefined, 'the event loop idling between writes is not counted');
  assert.equal(signals(db).filter((r) => r.signal_type !== 'blocking_io' && r.entity_type === 'process').length, 0);
});

test('two slow fsyncs stay quiet; the third within 10 s opens; one call over the high level opens at once', async (t) => {
  const { db } = tempDb(t);
  const p = await liveProcess(t);
  const engine = createSignalEngine({ cpus: 2 });
  const call = (ts: number, ms: number, syscall = 'fsync') =>
    ev('syscall', ts, { pid: p.pid, tid: p.pid, comm: 'pgwriter', syscall, latency_ms: ms, fd: 3 });
  replay(engine, db, [call(1000, 30), call(1004, 40)]);
  assert.equal(signals(db).length, 0);
  replay(engine, db, [call(1020, 30)]);
  assert.equal(signals(db).length, 0, 'the first two left the 10 s window');
  replay(engine, db, [call(1022, 25), call(1025, 60)]);
  const [s] = signals(db, 'blocking_io');
  assert.ok(s, 'three slow calls in 10 s');
  assert.equal(s.entity_id, `${p.pid}:${p.start}`);
  assert.equal(s.severity, 'medium', 'worst call 60 ms: 50..100 ms is medium for blocking_io');
  assert.equal(s.summary, `pgwriter (pid ${p.pid}) fsync() blocked 60 ms; 3 slow blocking_io calls in the last 10 s (median 30 ms)`);

  const other = await liveProcess(t);
  replay(engine, db, [ev('syscall', 1030, { pid: other.pid, tid: other.pid, comm: 'db', syscall: 'fdatasync', latency_ms: 240 })]);
  const [single] = signals(db).filter((r) => r.entity_id === `${other.pid}:${other.start}`);
  assert.equal(single.severity, 'high');
  assert.equal(single.summary, `db (pid ${other.pid}) fdatasync() blocked 240 ms`);
});

test('idle waits and reads from non-files never open a signal', async (t) => {
  const { db } = tempDb(t);
  const p = await liveProcess(t);
  const engine = createSignalEngine({ cpus: 2 });
  const events = [];
  for (let i = 0; i < 20; i++) {
    const base = { pid: p.pid, tid: p.pid, comm: 'server', fd: 0 };
    events.push(ev('syscall', 2000 + i, { ...base, syscall: 'epoll_wait', latency_ms: 5000 }));
    events.push(ev('syscall', 2000 + i, { ...base, syscall: 'futex', latency_ms: 800 }));
    events.push(ev('syscall', 2000 + i, { ...base, syscall: 'nanosleep', latency_ms: 1000 }));
    events.push(ev('syscall', 2000 + i, { ...base, syscall: 'read', latency_ms: 3000 })); // fd 0 of sleep: /dev/null
    events.push(ev('syscall', 2000 + i, { ...base, syscall: 'wait4', latency_ms: 9000 }));
  }
  replay(engine, db, events);
  assert.deepEqual(signals(db), []);
});

test('lock contention uses its own ladder; the process exiting gives <pid>:0', async (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const gone = 4_194_303; // above any pid this machine hands out in a test's lifetime
  const events = [30, 30, 60].map((ms, i) => ev('syscall', 3000 + i, { pid: gone, tid: gone + 1, comm: 'postgres', syscall: 'futex', latency_ms: ms }));
  replay(engine, db, events);
  const [s] = signals(db, 'lock_contention');
  assert.equal(s.entity_id, `${gone}:0`);
  assert.equal(s.severity, 'high', '60 ms is high for lock_contention (10/25/50/100)');
});

test('the signal resolves after 30 s without a slow call, via tick', async (t) => {
  const { db } = tempDb(t);
  const p = await liveProcess(t);
  const engine = createSignalEngine({ cpus: 2 });
  replay(engine, db, [0, 1, 2].map((i) => ev('syscall', 4000 + i, { pid: p.pid, tid: p.pid, comm: 'w', syscall: 'fsync', latency_ms: 20 })));
  db.transaction(() => engine.tick(db, 4030))();
  assert.equal(signals(db)[0].status, 'open');
  engine.tick(db, 4033);
  const [s] = signals(db);
  assert.equal(s.status, 'resolved');
  assert.equal(s.resolved_at, 4033);
  assert.equal(s.last_seen, 4002);
});
