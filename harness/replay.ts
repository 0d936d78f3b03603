// Recorded NDJSON stored the way the live system stores it: through the real
// ingest process, on its stdin. For tests and the benchmark that need a database
// holding a known history (moved in time to end when they want).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { DIST } from '../lib/paths.js';

export interface Recorded { readonly ts: number; readonly [k: string]: unknown }

export function readRecording(file: string): Recorded[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Recorded);
}

/** Pipe every chunk of events into a new ingest of `dbFile`; resolves with its exit code once it has flushed and exited. */
export async function ingestEvents(dbFile: string, logDir: string, chunks: Iterable<readonly Recorded[]>): Promise<number | null> {
  const ingest = spawn(process.execPath, [path.join(DIST, 'ingest', 'main.js'), '--db', dbFile, '--log-dir', logDir],
    { stdio: ['pipe', 'ignore', 'inherit'], env: { ...process.env, KS_SUPERVISED: '1' } });
  const exited = once(ingest, 'exit');
  for (const chunk of chunks) {
    if (!ingest.stdin.write(chunk.map((e) => JSON.stringify(e)).join('\n') + '\n')) await once(ingest.stdin, 'drain');
  }
  ingest.stdin.end();
  return ((await exited) as [number | null])[0];
}
