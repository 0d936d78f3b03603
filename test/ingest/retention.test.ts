import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../lib/db.js';
import { Retention } from '../../ingest/retention.js';

test('retention prunes old raw rows and resolved signals in batches, keeps the rest', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-ret-'));
  const db = openDatabase(path.join(dir, 'k.db'));
  const now = Date.now() / 1000;
  const ins = db.prepare('INSERT INTO load_metrics (timestamp, load1, load5, load15, cpus, runnable, total_threads, load1_per_cpu) VALUES (?,1,1,1,2,1,1,0.5)');
  db.transaction(() => {
    for (let i = 0; i < 5000; i++) ins.run(now - 48 * 3600 + i); // old
    for (let i = 0; i < 100; i++) ins.run(now - 60 + i * 0.1);   // fresh
  })();
  const sig = db.prepare(`INSERT INTO signal_metadata (timestamp, signal_category, signal_type, scope, semantic_label, severity,
    pressure_score, summary, first_seen, last_seen, max_severity, status, dedup_key) VALUES (?, 'symptom', 'x', 'system', 'x', 'low', 0.1, 's', ?, ?, 'low', ?, ?)`);
  sig.run(now - 30 * 86400, now - 30 * 86400, now - 30 * 86400, 'resolved', 'a');
  sig.run(now - 30 * 86400, now - 30 * 86400, now - 30 * 86400, 'open', 'b'); // open: kept however old
  let yields = 0;
  const deleted = await new Retention(db, { rawMaxAgeS: 24 * 3600, signalMaxAgeS: 7 * 86400, batchRows: 1000 })
    .run(now, async () => { yields++; });
  assert.equal(deleted.load_metrics, 5000);
  assert.equal(deleted.signal_metadata, 1);
  assert.ok(yields >= 5, 'yielded between batches');
  assert.equal((db.prepare('SELECT count(*) n FROM load_metrics').get() as { n: number }).n, 100);
  assert.deepEqual(db.prepare('SELECT dedup_key FROM signal_metadata').all(), [{ dedup_key: 'b' }]);
  db.close();
});

test('the database file stays bounded under steady insert + prune', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-ret-'));
  const file = path.join(dir, 'k.db');
  const db = openDatabase(file);
  const ins = db.prepare('INSERT INTO load_metrics (timestamp, load1, load5, load15, cpus, runnable, total_threads, load1_per_cpu) VALUES (?,1,1,1,2,1,1,0.5)');
  const ret = new Retention(db, { rawMaxAgeS: 100, signalMaxAgeS: 100, batchRows: 2000 });
  const sizes: number[] = [];
  let t = 1_800_000_000;
  for (let round = 0; round < 12; round++) {
    db.transaction(() => { for (let i = 0; i < 20_000; i++) ins.run(t + i / 200); })(); // 100 s of data per round
    t += 100;
    await ret.run(t, async () => undefined);
    db.pragma('wal_checkpoint(TRUNCATE)');
    sizes.push(fs.statSync(file).size);
  }
  // After warm-up the file must not keep growing with every round.
  assert.ok(sizes[11] <= sizes[3] * 1.2, `file sizes ${sizes.join(', ')}`);
  db.close();
});
