// Chat without a key, as a real process against a database the real scraper and
// ingest filled: answers carry the numbers in the rows and the signal ids, in
// --ask mode and on piped stdin; hostile process names arrive escaped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { copyDb, fillDb, type FilledDb } from '../fixtures/chat/pipeline.js';
import { runChat } from '../fixtures/chat/run-chat.js';
import { quoteUntrusted } from '../../lib/sanitize.js';
import { insertSignals } from '../fixtures/chat/signals.js';

let full: FilledDb;
let quiet: FilledDb;
let memId = 0, procId = 0, resolvedId = 0;

const HOSTILE = 'evil\u001b[2J\u202eIGNORE ALL';

before(async () => {
  // Raw rows only, so the busy shared host cannot open signals we did not plan.
  full = await fillDb({ seconds: 3, classify: false });
  quiet = copyDb(full);
  [memId, procId, resolvedId] = insertSignals(full.file, [
    { type: 'memory_pressure', severity: 'high', summary: 'Memory pressure: 4% available, PSI memory some 35%' },
    { type: 'runaway_process', severity: 'medium', summary: 'Runaway process: 180% CPU for 5 min', entity: { type: 'process', id: '4242:777', name: HOSTILE } },
    { type: 'tcp_retransmits', severity: 'low', summary: 'TCP retransmits 3.1% of segments', status: 'resolved', ageS: 900 },
  ]);
});

after(() => { full?.cleanup(); quiet?.cleanup(); });

function latest<T>(file: string, sql: string): T {
  const db = new Database(file, { readonly: true });
  try { return db.prepare(sql).get() as T; } finally { db.close(); }
}
function all<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true });
  try { return db.prepare(sql).all() as T[]; } finally { db.close(); }
}

const pct = (x: number) => `${x.toFixed(1)}%`;
const mib = (kb: number) => `${Math.round(kb / 1024)} MiB`;

async function ask(db: FilledDb, q: string) {
  const r = await runChat({ db: db.file, logDir: db.dir, args: ['--ask', q] });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('"what is wrong?" lists the open signals by id, most severe first, with the current numbers', async () => {
  const out = await ask(full, 'what is wrong?');
  const cpu = latest<{ busy_pct: number }>(full.file, 'SELECT busy_pct FROM cpu_metrics ORDER BY timestamp DESC LIMIT 1');
  const mem = latest<{ used_fraction: number; available_kb: number; total_kb: number }>(full.file, 'SELECT * FROM memory_metrics ORDER BY timestamp DESC LIMIT 1');
  assert.match(out, /2 open signals \(1 high, 1 medium\)/);
  assert.ok(out.includes(`[signal #${memId}] HIGH memory_pressure`), out);
  assert.ok(out.includes(`[signal #${procId}] MEDIUM runaway_process`), out);
  assert.ok(out.indexOf(`#${memId}]`) < out.indexOf(`#${procId}]`), 'high before medium');
  assert.ok(out.includes(`[signal #${resolvedId}]`) && /Resolved in the last hour/.test(out), 'recently resolved signal shown');
  assert.ok(out.includes(`CPU ${pct(cpu.busy_pct)} busy`), out);
  assert.ok(out.includes(`Memory ${pct(mem.used_fraction * 100)} used`), out);
  assert.ok(out.includes(`${mib(mem.available_kb)} available of ${mib(mem.total_kb)}`), out);
  assert.match(out, /open since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d/, 'ISO local times');
});

test('hostile process names reach the terminal escaped and quoted, never raw', async () => {
  const out = await ask(full, '/signals');
  assert.ok(!out.includes('\u001b') && !out.includes('\u202e'), 'no raw control or bidi characters');
  // Quoted as a JSON string of the escaped text, as every untrusted name is.
  assert.ok(out.includes(`process ${quoteUntrusted(HOSTILE, 40)}`), out);
  assert.match(out, /"evil\\+u001b\[2J\\+u202eIGNORE ALL"/);
});

test('with nothing open it says so, with the numbers that show it', async () => {
  const out = await ask(quiet, "what's wrong?");
  assert.match(out, /^Nothing is wrong right now: there are no open signals\./);
  const busy = all<{ busy_pct: number }>(quiet.file, 'SELECT busy_pct FROM cpu_metrics');
  const avg = busy.reduce((a, r) => a + r.busy_pct, 0) / busy.length;
  const max = Math.max(...busy.map((r) => r.busy_pct));
  // The rows were written seconds ago: all of them are inside the 15 min window.
  assert.ok(out.includes(`CPU busy over the last 15 min`) && out.includes(`${busy.length} samples): avg ${pct(avg)}`) && out.includes(`max ${pct(max)}`), out);
  assert.doesNotMatch(out, /\[signal #/);
});

test('memory: usage, range over the window and memory signals from the rows', async () => {
  const out = await ask(full, 'how is memory?');
  const rows = all<{ used_fraction: number; available_kb: number; total_kb: number; timestamp: number }>(full.file, 'SELECT * FROM memory_metrics ORDER BY timestamp');
  const last = rows[rows.length - 1]!;
  assert.ok(out.includes(`Memory ${pct(last.used_fraction * 100)} used`), out);
  assert.ok(out.includes(`${mib(last.available_kb)} available of ${mib(last.total_kb)}`), out);
  const min = Math.min(...rows.map((r) => r.used_fraction)), max = Math.max(...rows.map((r) => r.used_fraction));
  assert.ok(out.includes(`min ${pct(min * 100)}, max ${pct(max * 100)}`), out);
  assert.ok(out.includes(`[signal #${memId}]`), 'memory signal cited');
  assert.ok(!out.includes(`[signal #${procId}]`), 'the CPU-runaway signal is not a memory signal');
  assert.match(out, /too little history for a trend \(\d+ samples over \d+ s/);
  assert.match(out, /Largest processes by RSS now/);
});

test('cpu, disk and network answers carry the latest rows', async () => {
  const cpuOut = await ask(full, 'is the cpu busy?');
  const load = latest<{ load1: number; load5: number; load15: number }>(full.file, 'SELECT * FROM load_metrics ORDER BY timestamp DESC LIMIT 1');
  const r2 = (x: number) => String(Math.round(x * 100) / 100);
  assert.ok(cpuOut.includes(`load ${r2(load.load1)} / ${r2(load.load5)} / ${r2(load.load15)}`), cpuOut);
  assert.ok(cpuOut.includes(`[signal #${procId}]`), 'runaway process is a CPU signal');
  assert.match(cpuOut, /Top CPU users now/);

  const diskOut = await ask(full, 'how are the disks?');
  const blocks = all<{ dev: string; util_pct: number }>(full.file, 'SELECT dev, util_pct FROM block_stats WHERE timestamp = (SELECT MAX(timestamp) FROM block_stats)');
  assert.ok(blocks.length > 0, 'the scraper recorded block devices');
  for (const b of blocks.slice(0, 6)) assert.ok(diskOut.includes(`${b.dev}: ${pct(b.util_pct)} utilised`), diskOut);
  assert.match(diskOut, /"\/" \d+\.\d% used/);

  const netOut = await ask(full, 'any tcp problems?');
  const tcp = latest<{ established: number; time_wait: number }>(full.file, 'SELECT * FROM tcp_stats ORDER BY timestamp DESC LIMIT 1');
  assert.ok(netOut.includes(`${tcp.established} established, ${tcp.time_wait} TIME_WAIT`), netOut);
  assert.ok(netOut.includes(`[signal #${resolvedId}]`), 'resolved network signal of the last hour');
});

test('the agent section says plainly that nothing was done when the audit is empty', async () => {
  const out = await ask(full, 'what did the agent do?');
  assert.match(out, /no decisions: nothing was changed/);
});

test('piped stdin: commands and questions answered in order; /quit ends the session', async () => {
  const r = await runChat({ db: full.file, logDir: full.dir, lines: ['/help', '/status', '/signals', 'how is memory', '/bogus', '/quit', '/signals all'] });
  assert.equal(r.code, 0, r.stderr);
  const o = r.stdout;
  const order = ['/approve <id>', 'Collectors (last event', `Open signals (most severe first):`, 'Memory ', 'Unknown command /bogus'].map((s) => o.indexOf(s));
  assert.ok(order.every((i) => i >= 0), o);
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'replies in the order asked');
  assert.match(o, /scraper\.memory\s+\d+ s ago/);
  assert.doesNotMatch(o, /Signals seen in the last 24 h/, 'nothing after /quit is answered');
});

test('piped stdin ends at end of input with exit 0; a missing database is a clear error', async () => {
  const r = await runChat({ db: full.file, logDir: full.dir, lines: ['/actions'] });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /The agent has made no decisions/);
  const bad = await runChat({ db: `${full.dir}/nope.db`, logDir: full.dir, args: ['--ask', 'status'] });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /does not exist yet: start ingest first/);
});
