// kill -9 in the middle of a stream: the file stays consistent and every batch a
// reader saw committed before the kill is still there afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import Database from 'better-sqlite3';
import { exitOf, loadLine, startIngest } from './helpers.js';
import { tempDir, waitFor } from '../../harness/wait.js';

test('kill -9 mid-stream loses no committed batch and leaves a sound database', async (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'k.db');
  const child = startIngest(dir, ['--no-classify', '--batch-size', '500', '--flush-ms', '20']);
  child.stdin!.on('error', () => undefined); // EPIPE for the lines in flight at the kill
  const closed = new AbortController();
  child.stdin!.once('close', () => closed.abort());
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4000); });
  const why = (what: string) => () => `${what} (ingest exit ${child.exitCode ?? child.signalCode ?? 'none yet'}; stderr: ${stderr.trim() || 'empty'})`;
  let sent = 0;
  let writing = true;
  t.after(() => { writing = false; child.kill('SIGKILL'); });
  const pump = (async () => {
    // Once stdin is closed (the kill, or ingest gone early) there is nothing to keep
    // full: a write loop on a closed pipe would spin in microtasks and starve the timers.
    while (writing && !closed.signal.aborted) {
      const chunk: string[] = [];
      for (let i = 0; i < 200; i++) chunk.push(loadLine((sent++ % 1000) / 100));
      // Keep the pipe full: lines are always in flight when the kill comes, so
      // "mid-stream" never depends on ingest happening to have caught up.
      // After the kill no 'drain' comes; 'close' ends the wait.
      if (!child.stdin!.write(`${chunk.join('\n')}\n`)) await once(child.stdin!, 'drain', { signal: closed.signal }).catch(() => undefined);
      else await new Promise((r) => setImmediate(r));
    }
  })().catch(() => undefined); // EPIPE after the kill is expected

  const reader = await waitFor(() => {
    let d: Database.Database | undefined;
    try {
      d = new Database(file, { readonly: true, fileMustExist: true });
      d.prepare('SELECT 1 FROM load_metrics LIMIT 1').get();
      return d;
    } catch {
      d?.close();
      return undefined;
    }
  }, why('ingest to create and migrate the database'));
  const count = () => (reader.prepare('SELECT count(*) n, COALESCE(max(id), 0) m FROM load_metrics').get() as { n: number; m: number });
  await waitFor(() => count().n > 5000, why('several committed batches'), 30_000);
  const seen = count();
  child.kill('SIGKILL');
  writing = false;
  await exitOf(child);
  await pump;
  reader.close();

  const db = new Database(file);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const after = db.prepare('SELECT count(*) n, max(id) m, min(id) lo FROM load_metrics').get() as { n: number; m: number; lo: number };
  assert.ok(after.n >= seen.n, `rows after kill ${after.n} >= rows seen committed ${seen.n}`);
  // Whole batches only: ids are dense from 1, no holes from a half-written batch.
  assert.equal(after.lo, 1);
  assert.equal(after.m, after.n);
  assert.ok(sent > after.n, 'the kill really happened mid-stream');
  db.close();
});
