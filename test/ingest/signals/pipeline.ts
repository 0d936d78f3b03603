// The real pipeline for the live classifier tests: the scraper (and tracers)
// as child processes, their whole lines merged into a real ingest child's stdin,
// and a read-only view of the database ingest writes. Everything started here is
// stopped in t.after, even when the test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { TestContext } from 'node:test';
import { openDatabase, type Db } from '../../../lib/db.js';
import { MIGRATIONS } from '../../../lib/migrations/index.js';
import { DIST, TRACER_BIN_DIR } from '../../../lib/paths.js';
import type { SignalRow } from './helpers.js';
import { waitFor } from '../../../harness/wait.js';

export const INGEST = path.join(DIST, 'ingest', 'main.js');
export const SCRAPER = path.join(DIST, 'scraper', 'main.js');
export const tracerBin = (name: string): string => path.join(TRACER_BIN_DIR, name);

/** Why this machine cannot run a live test, or undefined when it can. */
export function missing(tracers: readonly string[] = [], commands: readonly string[] = []): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (eBPF tracers, /proc of every process)';
  if (!fs.existsSync(INGEST)) return `ingest not built (${INGEST})`;
  if (!fs.existsSync(SCRAPER)) return `scraper not built (${SCRAPER})`;
  for (const t of tracers) if (!fs.existsSync(tracerBin(t))) return `tracer ${t} not built (make -C tracers)`;
  for (const c of commands) {
    if (!process.env.PATH?.split(':').some((d) => fs.existsSync(path.join(d, c)))) return `${c} not installed`;
  }
  return undefined;
}

export interface Pipeline {
  readonly dir: string;
  readonly dbFile: string;
  /** A fresh query on a read-only connection. */
  all<T = SignalRow>(sql: string, ...params: unknown[]): T[];
  stop(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const exited = (c: ChildProcess): Promise<void> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));

/** Stop a child (and its process group when detached): SIGTERM, then SIGKILL after 3 s. */
export async function stopChild(c: ChildProcess, group = false): Promise<void> {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
  const kill = (sig: NodeJS.Signals) => { try { if (group) process.kill(-c.pid!, sig); else c.kill(sig); } catch { /* gone */ } };
  kill('SIGTERM');
  const t = setTimeout(() => kill('SIGKILL'), 3000);
  await exited(c);
  clearTimeout(t);
}

export async function startPipeline(t: TestContext, opts: { interval: number; tracers?: readonly string[][] }): Promise<Pipeline> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-live-'));
  const dbFile = path.join(dir, 'ks.db');
  const env = { ...process.env, KS_SUPERVISED: '1' };
  const stderr = fs.openSync(path.join(dir, 'stderr.log'), 'a');
  const ingest = spawn(process.execPath, [INGEST, '--db', dbFile, '--log-dir', dir], { stdio: ['pipe', 'ignore', stderr], env });
  ingest.stdin!.on('error', () => { /* ingest gone: the test fails on its own */ });
  const producers: ChildProcess[] = [
    spawn(process.execPath, [SCRAPER, '--interval', String(opts.interval), '--log-dir', dir], { stdio: ['ignore', 'pipe', stderr], env }),
    ...(opts.tracers ?? []).map(([bin, ...args]) => spawn(tracerBin(bin), args, { stdio: ['ignore', 'pipe', stderr], env })),
  ];
  for (const p of producers) {
    // Whole lines only, so two producers never interleave inside one line.
    readline.createInterface({ input: p.stdout! }).on('line', (line) => { if (ingest.stdin!.writable) ingest.stdin!.write(`${line}\n`); });
  }
  let db: Db | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(producers.map((p) => stopChild(p)));
    ingest.stdin!.end();
    await stopChild(ingest);
    if (db?.open) db.close();
  };
  t.after(async () => {
    await stop();
    fs.closeSync(stderr);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await waitFor(() => fs.existsSync(dbFile), 'ingest to create the database', 15_000);
  db = openDatabase(dbFile, { readonly: true });
  const view = db;
  // The file appears before ingest has migrated it: a query now could meet a
  // table that does not exist yet. Wait for the last migration.
  const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
  await waitFor(() => view.pragma('user_version', { simple: true }) === latest, 'ingest to migrate the database', 15_000);
  return {
    dir, dbFile, stop,
    all: <T>(sql: string, ...params: unknown[]) => view.prepare(sql).all(...params) as T[],
  };
}

/** The whole-disk block device (e.g. vda) holding `dir`. */
export function diskOf(dir: string): string {
  const dev = fs.statSync(dir).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | ((Math.floor(dev / 4096)) & 0xfff00);
  const target = fs.readlinkSync(`/sys/dev/block/${major}:${minor}`); // ../../devices/.../block/vda[/vda1]
  const parts = target.split('/');
  return parts[parts.indexOf('block') + 1];
}
