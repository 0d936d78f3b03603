// Events per second through the real ingest process (stdin → SQLite) beside a
// plain better-sqlite3 batched insert of the same rows, measured in one run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { openDatabase } from '../lib/db.js';
import { EVENT_SPECS, fieldNames, type EventType } from '../lib/events.js';
import { DIST } from '../lib/paths.js';
import { readPidStatus } from '../lib/procfs/pid.js';
import { mixedEvents } from './events.js';

export interface IngestBench {
  events: number;
  ingest_events_per_s: number;
  plain_events_per_s: number;
  ratio: number;
  ingest_peak_rss_mb: number;
}

function peakRssMb(pid: number): number {
  return (readPidStatus(pid)?.vmHwmKb ?? 0) / 1024;
}

/** The floor: parse the same lines and insert them in 5,000-row transactions, then close. */
function plainInsert(file: string, lines: string[]): number {
  const db = openDatabase(file);
  const stmts = new Map<string, { run: (...a: unknown[]) => unknown; names: string[] }>();
  for (const type of Object.keys(EVENT_SPECS) as EventType[]) {
    const names = fieldNames(type);
    const s = db.prepare(`INSERT INTO ${EVENT_SPECS[type].table} (timestamp, ${names.join(',')}) VALUES (?${',?'.repeat(names.length)})`);
    stmts.set(type, { run: (...a) => s.run(...a), names });
  }
  const start = process.hrtime.bigint();
  const tx = db.transaction((chunk: string[]) => {
    for (const l of chunk) {
      const ev = JSON.parse(l) as Record<string, unknown>;
      const w = stmts.get(ev.type as string)!;
      w.run(ev.ts, ...w.names.map((n) => ev[n] ?? null));
    }
  });
  for (let i = 0; i < lines.length; i += 5000) tx(lines.slice(i, i + 5000));
  // Closing checkpoints the WAL into the database file; ingest's time includes
  // its own close (the clock runs to its exit), so this one does too.
  db.close();
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  return lines.length / secs;
}

async function throughIngest(dir: string, payload: string, n: number): Promise<{ rate: number; rssMb: number }> {
  const child = spawn(process.execPath, [path.join(DIST, 'ingest', 'main.js'), '--db', path.join(dir, 'ingest.db'), '--log-dir', dir], {
    stdio: ['pipe', 'ignore', 'inherit'], env: { ...process.env, KS_SUPERVISED: '1' },
  });
  // Let it open and migrate the database before the clock starts.
  await new Promise((r) => setTimeout(r, 800));
  let peak = 0;
  const poll = setInterval(() => { peak = Math.max(peak, peakRssMb(child.pid!)); }, 100);
  const start = process.hrtime.bigint();
  child.stdin.end(payload);
  const [code] = await once(child, 'exit') as [number | null];
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(poll);
  if (code !== 0) throw new Error(`ingest exited ${code}`);
  return { rate: n / secs, rssMb: peak };
}

export async function benchIngest(n = 1_000_000): Promise<IngestBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-bench-ingest-'));
  try {
    const lines = mixedEvents(n).map((e) => JSON.stringify(e));
    const payload = `${lines.join('\n')}\n`;
    const plain = plainInsert(path.join(dir, 'plain.db'), lines);
    const ing = await throughIngest(dir, payload, n);
    return {
      events: n,
      ingest_events_per_s: Math.round(ing.rate),
      plain_events_per_s: Math.round(plain),
      ratio: Math.round((ing.rate / plain) * 100) / 100,
      ingest_peak_rss_mb: Math.round(ing.rssMb),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1_000_000);
  console.log(JSON.stringify(await benchIngest(n), null, 2));
}
