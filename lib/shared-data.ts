// The database as the unprivileged components need it: owned by the service
// user (ingest writes it), 0640 (the group reads it). Whoever creates it first,
// root or not, the result is the same, so no root-owned file can lock ingest out.
import fs from 'node:fs';
import { openDatabase } from './db.js';
import { DB_FILE_MODE } from './private-files.js';
import type { ServiceUser } from './service-user.js';

/** chown/chmod a regular file; links and anything odd are left alone. */
export function giveFile(file: string, u: ServiceUser, mode: number): void {
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) return;
  fs.chownSync(file, u.uid, u.gid);
  fs.chmodSync(file, mode);
}

/** Create the database if missing (schema and all), then hand it and its WAL files to `u`. */
export function databaseFor(db: string, u: ServiceUser): void {
  if (!fs.existsSync(db)) openDatabase(db).close();
  for (const f of [db, `${db}-wal`, `${db}-shm`]) giveFile(f, u, DB_FILE_MODE);
}
