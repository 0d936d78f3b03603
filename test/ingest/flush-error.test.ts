// The timer-driven flush meets an SQLite error (another connection holds the
// write lock past the busy timeout): ingest does not crash, counts the failure,
// keeps the rows and stores them once the database is writable again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { exitOf, loadLine, sleep, startIngest } from './helpers.js';
import { tempDir, waitFor } from '../../harness/wait.js';

test('a locked database makes the timer flush fail: no crash, counted, retried until stored', async (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'k.db');
  const child = startIngest(dir, ['--no-classify']);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  t.after(() => { child.kill('SIGKILL'); fs.rmSync(dir, { recursive: true, force: true }); });
  const logFile = path.join(dir, 'ingestion.log');
  await waitFor(() => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('ingest started'), 'ingest started');

  const locker = new Database(file);
  locker.exec('BEGIN EXCLUSIVE');
  const ts = Math.floor(Date.now() / 1000);
  child.stdin!.write(`${loadLine(0.5, ts)}\n`); // one row: only the flush timer commits it
  await sleep(7000); // past ingest's 5 s busy timeout
  assert.equal(child.exitCode, null, `ingest crashed on the timer flush: ${stderr}`);
  locker.exec('COMMIT');
  locker.close();

  const reader = new Database(file, { readonly: true });
  t.after(() => reader.close());
  await waitFor(() => (reader.prepare('SELECT COUNT(*) AS n FROM load_metrics').get() as { n: number }).n === 1, 'the row stored by a retry', 15_000);
  child.kill('SIGTERM');
  assert.equal((await exitOf(child)).code, 0);
  const log = fs.readFileSync(logFile, 'utf8');
  assert.match(log, /write failed, rows kept for a retry/);
  const stats = [...log.matchAll(/IngestStats (\{.*\})/g)].map((m) => JSON.parse(m[1]) as { writeErrors?: number });
  assert.ok((stats.at(-1)?.writeErrors ?? 0) >= 1, `write errors counted in IngestStats: ${JSON.stringify(stats.at(-1))}`);
});
