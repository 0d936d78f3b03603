// The one way any process opens the database. Writers get WAL, a busy timeout and
// migrations; readers get a read-only handle that can never take a write lock.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS } from './migrations/index.js';
import { DB_FILE_MODE, makeDir, narrowMode } from './private-files.js';

export type Db = Database.Database;

export interface OpenOptions {
  readonly readonly?: boolean;
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
}

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const busy = opts.busyTimeoutMs ?? 5000;
  if (opts.readonly) {
    if (!fs.existsSync(file)) {
      throw new Error(`database ${file} does not exist yet: start ingest first ('npm start' or 'npm run ingest')`);
    }
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${busy}`);
    return db;
  }
  makeDir(path.dirname(file));
  // Modes are settled before SQLite opens anything, and never by opening the files
  // ourselves afterwards: closing any descriptor of ours on -shm would drop
  // SQLite's POSIX locks on it, and the next reader would truncate the -shm this
  // process has mapped (SIGBUS). Files an older version left 0644 are narrowed by
  // path; a new database is created by SQLite under a 027 umask, and SQLite gives
  // -wal and -shm the database's mode.
  for (const f of [file, `${file}-wal`, `${file}-shm`]) narrowMode(f, DB_FILE_MODE);
  let db: Db;
  const umask = process.umask(0o027);
  try { db = new Database(file); } finally { process.umask(umask); }
  db.pragma(`busy_timeout = ${busy}`);
  // Must precede the first table; lets retention hand freed pages back to the OS.
  if ((db.pragma('user_version', { simple: true }) as number) === 0) db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives a process crash (kill -9);
  // only an OS crash can lose the last few, and the file stays consistent.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Keep the WAL from growing without bound between checkpoints.
  db.pragma('journal_size_limit = 67108864');
  migrate(db);
  return db;
}

/** Apply pending migrations. BEGIN IMMEDIATE serialises two processes migrating at once. */
export function migrate(db: Db): number {
  for (const m of MIGRATIONS) {
    const apply = db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    });
    apply.immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Run fn in a write transaction that takes the write lock up front (BEGIN
 * IMMEDIATE), so it either waits for the lock at the start or not at all: it can
 * never fail with SQLITE_BUSY half-way through after doing work.
 */
export function writeTx<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** Readers tolerate an older or not-yet-migrated database: ask before querying. */
export function tableExists(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}
