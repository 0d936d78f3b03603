// The two files beside the database that make the chain prove something: the HMAC
// key (whoever rewrites the table without it cannot produce valid hashes) and the
// chain head (id + hash of the newest row, so removing rows from the tail shows).
// Both are root-only: 0600, owned by us, refused if anyone else could read or write them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-file.js';

export interface ChainHead { readonly id: number; readonly hash: string }

export interface AuditFiles {
  readonly keyFile: string;
  readonly headFile: string;
}

export function auditFiles(dbFile: string): AuditFiles {
  const dir = path.dirname(path.resolve(dbFile));
  return { keyFile: path.join(dir, 'audit.key'), headFile: path.join(dir, 'audit.head') };
}

function checkPrivate(file: string): void {
  const st = fs.statSync(file);
  if ((st.mode & 0o077) !== 0 || (typeof process.getuid === 'function' && st.uid !== process.getuid())) {
    throw new Error(`${file} must be owned by uid ${process.getuid?.()} with mode 0600 (it is ${(st.mode & 0o777).toString(8)}, uid ${st.uid}): chmod 600 ${file}`);
  }
}

export interface AuditKey {
  readonly key: Buffer;
  /** Rows up to this id predate the key (legacy v1 hashes); every later row must be keyed. */
  readonly legacyThrough: number;
}

/** The chain's HMAC key, created (0600, exclusive) on first use; `lastId` is the newest row at that moment. */
export function loadOrCreateKey(keyFile: string, lastId: number): AuditKey {
  try {
    const fd = fs.openSync(keyFile, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      fs.fchmodSync(fd, 0o600);
      fs.writeFileSync(fd, `${JSON.stringify({ key: crypto.randomBytes(32).toString('hex'), legacy_through: lastId })}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the audit key ${keyFile}: ${(e as Error).message}`);
  }
  return readKey(keyFile)!;
}

/** The key if it exists (undefined otherwise); throws when it is not private. */
export function readKey(keyFile: string): AuditKey | undefined {
  if (!fs.existsSync(keyFile)) return undefined;
  checkPrivate(keyFile);
  let k: { key?: unknown; legacy_through?: unknown } = {};
  try { k = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as typeof k; } catch { /* reported below */ }
  if (typeof k.key !== 'string' || !/^[0-9a-f]{64}$/.test(k.key) || !Number.isInteger(k.legacy_through)) {
    throw new Error(`${keyFile} is not an audit key ({"key": 64 hex digits, "legacy_through": row id} expected)`);
  }
  return { key: Buffer.from(k.key, 'hex'), legacyThrough: k.legacy_through as number };
}

export function writeHead(headFile: string, head: ChainHead): void {
  writeFileAtomic(headFile, `${JSON.stringify(head)}\n`, 0o600);
}

export function readHead(headFile: string): ChainHead | undefined {
  if (!fs.existsSync(headFile)) return undefined;
  checkPrivate(headFile);
  const h = JSON.parse(fs.readFileSync(headFile, 'utf8')) as ChainHead;
  if (!Number.isInteger(h.id) || typeof h.hash !== 'string') throw new Error(`${headFile} is not a chain head: ${JSON.stringify(h).slice(0, 100)}`);
  return h;
}
