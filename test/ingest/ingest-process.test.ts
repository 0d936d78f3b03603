// The real ingest process fed good and bad lines; the database checked row by row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { exitOf, loadLine, memoryLine, startIngest, syscallLine } from './helpers.js';
import { tempDir, waitFor } from '../../harness/wait.js';

test('good lines land in their tables, every bad line is counted and quarantined', async () => {
  const dir = tempDir();
  const child = startIngest(dir, ['--no-classify']);
  const ts = Math.floor(Date.now() / 1000);
  const lines: (string | Buffer)[] = [
    loadLine(0.5, ts),
    'this is not json',
    JSON.stringify({ v: 1, type: 'made_up', ts }),
    JSON.stringify({ v: 1, type: 'load', ts, load1: 'high' }),             // wrong field type
    JSON.stringify({ v: 1, type: 'load', ts }),                             // missing fields
    JSON.stringify({ v: 2, type: 'load', ts }),                             // future schema
    JSON.stringify({ v: 1, type: 'load', ts: 12345, load1: 1 }),            // boot-time clock, not epoch
    '[1,2,3]',
    Buffer.from([0xc3, 0x28, 0x7b, 0x7d]),                                  // invalid UTF-8
    Buffer.from([0x00, 0x01, 0x02, 0xff, 0x10]),                            // binary garbage
    `{"v":1,"type":"load","pad":"${'x'.repeat(70_000)}"}`,                  // over the 64 KiB cap
    memoryLine(20_000_000, ts),
    syscallLine(4242, 57.5, ts),
  ];
  for (const l of lines) {
    child.stdin!.write(l);
    child.stdin!.write('\n');
  }
  child.stdin!.end('{"v":1,"type":"load","ts":'); // partial last line, no newline
  const { code } = await exitOf(child);
  assert.equal(code, 0);

  const db = new Database(path.join(dir, 'k.db'), { readonly: true });
  const load = db.prepare('SELECT * FROM load_metrics').all() as Record<string, number>[];
  assert.equal(load.length, 1);
  assert.equal(load[0].timestamp, ts);
  assert.equal(load[0].load1, 0.5);
  assert.equal(load[0].cpus, 2);
  const mem = db.prepare('SELECT available_kb, swap_total_kb FROM memory_metrics').all();
  assert.deepEqual(mem, [{ available_kb: 20_000_000, swap_total_kb: 0 }]);
  const sc = db.prepare('SELECT pid, syscall, latency_ms, errno, fd FROM syscall_events').all();
  assert.deepEqual(sc, [{ pid: 4242, syscall: 'fsync', latency_ms: 57.5, errno: null, fd: 3 }]);

  const counts = Object.fromEntries((db.prepare('SELECT code, count FROM reject_counts').all() as { code: string; count: number }[])
    .map((r) => [r.code, r.count]));
  assert.deepEqual(counts, {
    bad_json: 2, // 'this is not json', the partial last line
    invalid_utf8: 2, // the bad sequence and the binary garbage (0xff is never UTF-8)
    unknown_type: 1, bad_field: 1, missing_field: 1, bad_version: 1, bad_timestamp: 1, not_object: 1, too_long: 1,
  });
  const q = db.prepare('SELECT code, sample, line_bytes FROM quarantine ORDER BY id').all() as { code: string; sample: string; line_bytes: number }[];
  assert.equal(q.length, 11);
  const tooLong = q.find((r) => r.code === 'too_long')!;
  assert.ok(tooLong.line_bytes > 70_000);
  assert.ok(tooLong.sample.length < 1000, 'quarantine keeps a truncated sample only');
  assert.ok(q.every((r) => !/[\u0000-\u001f]/.test(r.sample)), 'samples are printable');

  const coll = db.prepare('SELECT name, event_count, error_count FROM collectors ORDER BY name').all();
  assert.deepEqual(coll.filter((c) => (c as { name: string }).name !== 'unknown'), [
    { name: 'scraper.load', event_count: 1, error_count: 4 },
    { name: 'scraper.made_up', event_count: 0, error_count: 1 },
    { name: 'scraper.memory', event_count: 1, error_count: 0 },
    { name: 'syscall_tracer', event_count: 1, error_count: 0 },
  ]);
  db.close();
});

test('SIGTERM flushes what was received and exits 0', async () => {
  const dir = tempDir();
  const child = startIngest(dir, ['--no-classify', '--flush-ms', '250']);
  await waitFor(() => fs.existsSync(path.join(dir, 'ingestion.log')) && fs.readFileSync(path.join(dir, 'ingestion.log'), 'utf8').includes('ingest started'), 'ingest to start');
  for (let i = 0; i < 100; i++) child.stdin!.write(`${loadLine(i / 100)}\n`);
  await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  const { code } = await exitOf(child);
  assert.equal(code, 0);
  const db = new Database(path.join(dir, 'k.db'), { readonly: true });
  assert.equal((db.prepare('SELECT count(*) n FROM load_metrics').get() as { n: number }).n, 100);
  db.close();
});
