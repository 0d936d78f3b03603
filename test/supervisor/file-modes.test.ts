// What `npm start` writes holds every user's command names and the agent's
// decisions: the database and its WAL are 0640 (owner and group), the state file 0600, the logs
// 0640, the directories it creates 0750.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, fixture, startSupervisor, type Run } from './helpers.js';
import { DIST } from '../../lib/paths.js';
import { tempDir, waitFor } from '../../harness/wait.js';

const mode = (f: string): string => (fs.statSync(f).mode & 0o777).toString(8).padStart(4, '0');

test('database and WAL 0640, state file 0600; logs 0640; created directories 0750', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  const logDir = path.join(dir, 'logs');
  const db = path.join(dir, 'data', 'ks.db');
  run = startSupervisor(dir, [
    { name: 'ingestion', role: 'sink', command: process.execPath,
      args: [path.join(DIST, 'ingest', 'main.js'), '--db', db, '--log-dir', logDir, '--no-classify'], stderr: 'supervisor-log' },
    fixture(dir, 'chatty', 'producer', 'chatty.js', [], 'own-log'),
  ]);
  await waitFor(() => run!.component('ingestion')?.state === 'up' && run!.component('chatty')?.state === 'up' && fs.existsSync(`${db}-wal`), 'ingest up with its WAL');
  await waitFor(() => fs.existsSync(path.join(logDir, 'chatty.log')) && fs.existsSync(path.join(logDir, 'ingestion.log')), 'logs written');
  const got = {
    db: mode(db), wal: mode(`${db}-wal`), shm: mode(`${db}-shm`),
    state: mode(path.join(dir, 'data', 'supervisor.state.json')),
    supervisorLog: mode(path.join(logDir, 'supervisor.log')), ingestLog: mode(path.join(logDir, 'ingestion.log')),
    ownLog: mode(path.join(logDir, 'chatty.log')),
    dataDir: mode(path.join(dir, 'data')), logDir: mode(logDir),
  };
  assert.deepEqual(got, {
    db: '0640', wal: '0640', shm: '0640', state: '0600',
    supervisorLog: '0640', ingestLog: '0640', ownLog: '0640', dataDir: '0750', logDir: '0750',
  });
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
});
