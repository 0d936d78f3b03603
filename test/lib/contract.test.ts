// The event contract, the validator and the raw tables must stay in step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../lib/db.js';
import { EVENT_SPECS, EVENT_TYPES, EventError, makeEvent, validateEvent } from '../../lib/events.js';
import { MIGRATIONS } from '../../lib/migrations/index.js';

test('every event field has a column of the right type in its table', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-contract-'));
  const db = openDatabase(path.join(dir, 'k.db'));
  const sqlType = { int: 'INTEGER', num: 'REAL', str: 'TEXT', bool: 'INTEGER', hist: 'TEXT' } as const;
  for (const type of EVENT_TYPES) {
    const spec = EVENT_SPECS[type];
    const cols = new Map((db.prepare(`PRAGMA table_info(${spec.table})`).all() as { name: string; type: string }[]).map((c) => [c.name, c.type]));
    assert.ok(cols.size > 0, `table ${spec.table} exists`);
    assert.equal(cols.get('timestamp'), 'REAL', `${spec.table}.timestamp`);
    for (const [name, f] of Object.entries(spec.fields)) {
      assert.equal(cols.get(name), sqlType[f.kind], `${spec.table}.${name}`);
    }
  }
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS[MIGRATIONS.length - 1].version);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('migrations are numbered 1..n without gaps and re-opening applies nothing twice', () => {
  MIGRATIONS.forEach((m, i) => assert.equal(m.version, i + 1));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-contract-'));
  openDatabase(path.join(dir, 'k.db')).close();
  const again = openDatabase(path.join(dir, 'k.db'));
  assert.equal(again.pragma('user_version', { simple: true }), MIGRATIONS.length);
  again.close();
});

test('the validator names the bad value and drops unknown fields', () => {
  const now = Date.now() / 1000;
  const ev = makeEvent('load', { load1: 1, load5: 1, load15: 1, cpus: 2, runnable: 1, total_threads: 10, load1_per_cpu: 0.5 }, now);
  assert.deepEqual(validateEvent({ ...ev, injected: 'x' }, now), ev);
  const err = (v: unknown) => { try { validateEvent(v, now); return undefined; } catch (e) { return e as EventError; } };
  assert.equal(err({ ...ev, cpus: 1.5 })?.code, 'bad_field');
  assert.match(err({ ...ev, cpus: 1.5 })!.message, /load\.cpus should be int, got 1\.5/);
  assert.equal(err({ ...ev, ts: 123.4 })?.code, 'bad_timestamp'); // seconds since boot, wrong clock
  assert.equal(err({ ...ev, ts: now * 1000 })?.code, 'bad_timestamp'); // milliseconds, wrong unit
  assert.equal(err({ ...ev, load1: Number.NaN })?.code, 'bad_field');
  assert.equal(err({ ...ev, type: 'constructor' })?.code, 'unknown_type');
  assert.equal(err(null)?.code, 'not_object');
  const long = { v: 1, type: 'syscall', ts: now, pid: 1, tid: 1, comm: 'x'.repeat(17), uid: 0, cpu: 0, syscall_nr: 0, syscall: 'read', latency_ms: 1, ret: 0 };
  assert.equal(err(long)?.code, 'bad_field');
});
