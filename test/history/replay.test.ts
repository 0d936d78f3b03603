// Questions about the past, on recorded data: the real scraper's and I/O tracer's
// NDJSON of a memory grower (to ~20 GiB), quiet, a direct-I/O dd storm, quiet
// (test/fixtures/classifiers/history.ndjson), moved into the past and replayed
// through the real ingest into a temp database. Chat (rules, and the model path
// against a local Gemini-protocol server) and `npm run incidents` answer from it;
// every number they print is checked against the rows it cites.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { DIST, ROOT } from '../../lib/paths.js';
import { openDatabase } from '../../lib/db.js';
import { isoLocal } from '../../lib/time.js';
import { incidentById, listIncidents } from '../../lib/read-model/incidents.js';
import { recordEndedIncidents } from '../../ingest/incident-log.js';
import { Retention } from '../../ingest/retention.js';
import { runChat } from '../fixtures/chat/run-chat.js';
import { ingestEvents } from '../../harness/replay.js';
import { AuditLog } from '../../agent/audit/audit-log.js';
import { functionCallResponse, startGeminiServer, textResponse, type RecordedRequest } from '../fixtures/gemini-server.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'classifiers', 'history.ndjson');
const run = promisify(execFile);
let dir = '';
let dbFile = '';
let shift = 0;
/** Recorded times, moved: the recording ends 20 minutes before the test runs. */
const at = (recordedTs: number) => recordedTs + shift;

interface Ev { ts: number; type: string; [k: string]: unknown }
let events: Ev[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-history-'));
  dbFile = path.join(dir, 'kernelsight.db');
  events = fs.readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
  shift = Date.now() / 1000 - 20 * 60 - events.at(-1)!.ts;
  const code = await ingestEvents(dbFile, dir, [events.map((e) => ({ ...e, ts: at(e.ts) }))]);
  assert.equal(code, 0, 'ingest exits 0 at the end of its input');
});
after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

const grower = () => events.filter((e) => e.type === 'process' && e.comm === 'mem-grower');
const ddIo = () => events.filter((e) => e.type === 'io_latency' && e.top_comm === 'dd');
const ask = (q: string, args: string[] = []) => runChat({ db: dbFile, logDir: dir, args: ['--ask', q, ...args] });
const query = <T>(sql: string, ...p: unknown[]): T[] => {
  const db = new Database(dbFile, { readonly: true });
  try { return db.prepare(sql).all(...p) as T[]; } finally { db.close(); }
};

test('"which process used the most memory in the last hour?" names the grower with its peak RSS from the history, and the window', async () => {
  const peakKb = Math.max(...grower().map((e) => e.rss_kb as number));
  const r = await ask('which process used the most memory in the last hour?');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Window: .* \(60 min, from "last hour"\)/m);
  const first = r.stdout.split('\n').find((l) => /^1\. /.test(l)) ?? '';
  assert.match(first, /mem-grower/, r.stdout);
  assert.ok(first.includes(`peak RSS ${Math.round(peakKb / 1024)} MiB`), first);
  // The cited row holds that number.
  const id = Number(/\[process_metrics#(\d+)\]/.exec(first)?.[1]);
  assert.equal(query<{ rss_kb: number; comm: string }>('SELECT rss_kb, comm FROM process_metrics WHERE id = ?', id)[0]?.rss_kb, peakKb);
});

test('"why was the disk slow at <the storm>?" names the I/O signal, the device, the top I/O process then and the p99 latency', async () => {
  const io = ddIo();
  const mid = at(io[Math.floor(io.length / 2)]!.ts);
  const hhmm = isoLocal(mid).slice(11, 16);
  const r = await ask(`why was the disk slow at ${hhmm}?`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^Window: .*from "at ${hhmm}"`, 'm'));
  assert.match(r.stdout, /\[signal #\d+\] \w+ (io_congestion|block_device_saturation)/, r.stdout);
  assert.match(r.stdout, /Top I\/O requester: dd \(pid \d+\) on vda/);
  // The p99 printed is the worst interval in the window, and its row says so.
  const line = r.stdout.split('\n').find((l) => /^vda read: p99 latency up to/.test(l)) ?? assert.fail(r.stdout);
  const id = Number(/\[io_latency_stats#(\d+)\]/.exec(line)![1]);
  const [row] = query<{ p99_us: number; dev: string }>('SELECT p99_us, dev FROM io_latency_stats WHERE id = ?', id);
  assert.equal(row!.dev, 'vda');
  assert.ok(line.includes(`up to ${Math.round(row!.p99_us / 10) / 100} ms`), `${line} vs ${row!.p99_us} us`);
  const [{ worst }] = query<{ worst: number }>("SELECT MAX(p99_us) AS worst FROM io_latency_stats WHERE dev = 'vda' AND op = 'read' AND timestamp BETWEEN ? AND ?", mid - 300, mid + 300);
  assert.equal(row!.p99_us, worst);
});

test('a window with no data says so and does not answer from now; --since/--until set the window of a question without a time', async () => {
  const r = await ask('what happened 3 hours ago?');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /No data for this window: .*older than the oldest sample kept/);
  assert.match(r.stdout, /not answering from the current state/);
  assert.doesNotMatch(r.stdout, /Top CPU users|Largest processes/);
  const flags = await ask('which process used the most memory?', ['--since', '40m', '--until', '10m']);
  assert.match(flags.stdout, /from "--since 40m --until 10m"/);
  assert.match(flags.stdout.split('\n').find((l) => /^1\. /.test(l)) ?? '', /mem-grower/);
  const bad = await ask('x', ['--since', 'teatime']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /cannot read "teatime" as a time/);
});

test('the two episodes are two incidents with the right start and end; --show prints a timeline whose numbers are the cited rows', async () => {
  const db = openDatabase(dbFile, { readonly: true });
  const list = listIncidents(db);
  db.close();
  assert.equal(list.length, 2, JSON.stringify(list.map((i) => [i.id, i.resources, i.signals.map((s) => s.type)])));
  const [mem, io] = list;
  assert.ok(mem!.resources.includes('memory'), JSON.stringify(mem));
  assert.ok(io!.resources.includes('io'), JSON.stringify(io));
  // Start and end are those of their signals; the memory one ends before the storm begins.
  const sigs = query<{ signal_id: number; first_seen: number; resolved_at: number | null; last_seen: number }>('SELECT signal_id, first_seen, resolved_at, last_seen FROM signal_metadata');
  for (const inc of [mem!, io!]) {
    const mine = sigs.filter((s) => inc.signals.some((x) => x.id === s.signal_id));
    assert.equal(inc.startS, Math.min(...mine.map((s) => s.first_seen)));
    assert.equal(inc.endS, Math.max(...mine.map((s) => s.resolved_at ?? s.last_seen)));
    assert.equal(inc.open, false);
  }
  assert.ok(mem!.startS >= at(grower()[0]!.ts) - 5 && mem!.endS < io!.startS, 'the grower came first, the storm after');
  assert.ok(io!.startS >= at(ddIo()[0]!.ts) - 10);

  const { stdout: listed } = await run(process.execPath, [path.join(DIST, 'incidents', 'main.js'), '--db', dbFile, '--log-dir', dir]);
  assert.match(listed, new RegExp(`^${mem!.id} +`, 'm'));
  assert.match(listed, new RegExp(`^${io!.id} +`, 'm'));
  const { stdout: shown } = await run(process.execPath, [path.join(DIST, 'incidents', 'main.js'), '--db', dbFile, '--log-dir', dir, '--show', mem!.id]);
  assert.match(shown, /What happened: .*memory/);
  assert.match(shown, /Why: largest memory user mem-grower \(pid \d+\), peak RSS \d+ MiB \[process_metrics#\d+\]/);
  assert.match(shown, /Timeline \(per minute/);
  // Every "memory.available_kb N MiB [memory_metrics#id]" in the timeline is that row's value.
  const cells = [...shown.matchAll(/memory\.available_kb (\d+) MiB \[memory_metrics#(\d+)\]/g)];
  assert.ok(cells.length >= 2, shown);
  for (const [, mib, id] of cells) {
    const [row] = query<{ available_kb: number }>('SELECT available_kb FROM memory_metrics WHERE id = ?', Number(id));
    assert.equal(Math.round(row!.available_kb / 1024), Number(mib), `row ${id}`);
  }
  assert.match(shown, /signal #\d+ memory_pressure opened/);
  // The same story in chat.
  const chat = await runChat({ db: dbFile, logDir: dir, lines: ['/incidents', `/incidents ${mem!.id}`] });
  assert.match(chat.stdout, new RegExp(`^${io!.id} +`, 'm'));
  assert.match(chat.stdout, /Why: largest memory user mem-grower/);
  assert.match(shown, /signal #\d+ memory_pressure resolved/);
});

test('an incident keeps its summary after retention prunes its raw rows', async () => {
  const copy = path.join(dir, 'pruned.db');
  fs.copyFileSync(dbFile, copy);
  const db = openDatabase(copy);
  const now = Date.now() / 1000;
  assert.equal(recordEndedIncidents(db, now, 3600), 2, 'both ended incidents stored');
  assert.equal(recordEndedIncidents(db, now, 3600), 0, 'stored once');
  const before = incidentById(db, listIncidents(db)[0]!.id, now)!;
  await new Retention(db, { rawMaxAgeS: 60, signalMaxAgeS: 7 * 86400, batchRows: 5000 }).run(now, async () => undefined);
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM process_metrics').get() as { n: number }).n, 0, 'raw rows pruned');
  const afterPrune = incidentById(db, before.incident.id, now)!;
  db.close();
  assert.equal(afterPrune.incident.stored, true);
  assert.deepEqual(afterPrune.summary, before.summary, 'the story survives the raw rows');
  assert.match(afterPrune.summary.why, /mem-grower/);
  const { stdout } = await run(process.execPath, [path.join(DIST, 'incidents', 'main.js'), '--db', copy, '--log-dir', dir, '--show', before.incident.id]);
  assert.match(stdout, /stored summary: the raw rows behind it were pruned/);
  assert.match(stdout, /mem-grower/);
});

test('the agent\'s decisions about an incident\'s signals are in its story and its timeline, with the verdict', async () => {
  const copy = path.join(dir, 'acted.db');
  fs.copyFileSync(dbFile, copy);
  const db = openDatabase(copy);
  const io = listIncidents(db).find((i) => i.resources.includes('io'))!;
  const audit = new AuditLog(db);
  const base = { action: 'throttle_io', params: { target: 't1', mib_per_s: 50 }, decidedBy: 'rules' as const, signalIds: io.signals.map((s) => s.id), targetPid: 4242, targetComm: 'dd' };
  const d = audit.append({ ...base, status: 'executing' });
  audit.append({ ...base, refActionId: d.id, status: 'executed' });
  audit.append({ ...base, refActionId: d.id, status: 'verified', verification: { verdict: 'helped', detail: 'read latency of others 20 -> 2 ms' } });
  db.close();
  const { stdout } = await run(process.execPath, [path.join(DIST, 'incidents', 'main.js'), '--db', copy, '--log-dir', dir, '--show', io.id]);
  assert.match(stdout, new RegExp(`What was done: #${d.id} throttle_io on pid 4242 dd by rules: verified`));
  assert.match(stdout, new RegExp(`Did it help: #${d.id} helped \\(read latency of others 20 -> 2 ms\\)`));
  assert.match(stdout, new RegExp(`decision #${d.id} throttle_io: executed \\[agent_actions#\\d+\\]`));
  assert.match(stdout, new RegExp(`decision #${d.id} throttle_io: verified, verdict helped: read latency of others 20 -> 2 ms \\[agent_actions#\\d+\\]`));
  const { stdout: listed } = await run(process.execPath, [path.join(DIST, 'agent', 'actions-main.js'), '--db', copy, '--log-dir', dir, '--since', '30m']);
  assert.match(listed, /^Decisions in .*from "--since 30m"\): 1$/m);
  const { stdout: none } = await run(process.execPath, [path.join(DIST, 'agent', 'actions-main.js'), '--db', copy, '--log-dir', dir, '--since', '3h', '--until', '2h']);
  assert.match(none, /: 0$/m);
});

test('through the model path the window reaches the tools: history_window gets since/until and returns the history of that time', async (t) => {
  const io = ddIo();
  const hhmm = isoLocal(at(io[Math.floor(io.length / 2)]!.ts)).slice(11, 16);
  // The stand-in model reads the window KernelSight put into the question and passes it on, as instructed.
  const server = await startGeminiServer([
    (req: RecordedRequest) => {
      const text = JSON.stringify(req.body.contents);
      const m = /since=\\"([^"\\]+)\\" and until=\\"([^"\\]+)\\"/.exec(text);
      return functionCallResponse([{ name: 'history_window', args: m ? { since: m[1], until: m[2] } : {} }]);
    },
    textResponse('The disk was slow because dd saturated vda.'),
  ]);
  t.after(() => server.close());
  const r = await runChat({ db: dbFile, logDir: dir, args: ['--ask', `why was the disk slow at ${hhmm}?`], env: { GEMINI_API_KEY: 'AIzaTEST-history', GEMINI_BASE_URL: server.url } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /dd saturated vda/);
  const first = server.requests[0]!.body;
  assert.match(JSON.stringify(first.contents), /This question is about .* Call history_window with since=/);
  const second = server.requests[1]!.body as { contents: Array<{ parts: Array<{ functionResponse?: { name: string; response: { output?: Record<string, unknown>; error?: string } } }> }> };
  const resp = second.contents.flatMap((c) => c.parts).find((p) => p.functionResponse?.name === 'history_window')!.functionResponse!.response;
  assert.ok(resp.output, JSON.stringify(resp));
  const out = resp.output as { coverage: { status: string }; top_io: Array<{ comm: string; dev: string }>; block_latency: Array<{ dev: string }> };
  assert.equal(out.coverage.status, 'partial', 'the recording ends 5 minutes into this 10-minute window, and the tool says so');
  assert.match(out.top_io[0]!.comm, /dd/);
  assert.equal(out.block_latency[0]!.dev, 'vda');
});
