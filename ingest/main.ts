// `npm run ingest`: NDJSON on stdin → data/kernelsight.db. Exits 0 after a flush on
// SIGTERM, SIGINT or end of input.
import os from 'node:os';
import { cli } from '../lib/config.js';
import { openDatabase } from '../lib/db.js';
import { closeLogger, createLogger, RateLimiter } from '../lib/logger.js';
import { DEFAULT_INGEST_OPTIONS, Ingester } from './ingester.js';
import { createSignalEngine, type SignalEngine } from './signals/index.js';

// Until the pipeline exists there is nothing to flush: a stop request just ends us.
let stopEarly: (sig: string) => void = (sig) => process.exit(sig === 'SIGTERM' || sig === 'SIGINT' ? 0 : 1);
process.on('SIGTERM', () => stopEarly('SIGTERM'));
process.on('SIGINT', () => stopEarly('SIGINT'));

const argv = await cli('ingest', '$0 [options] < events.ndjson\n\nReads KernelSight NDJSON events on stdin and stores them in SQLite.')
  .option('batch-size', { type: 'number', default: DEFAULT_INGEST_OPTIONS.batchSize, describe: 'rows per transaction (flushed earlier by --flush-ms)' })
  .option('flush-ms', { type: 'number', default: DEFAULT_INGEST_OPTIONS.flushMs, describe: 'longest time a row waits before commit' })
  .option('max-line-bytes', { type: 'number', default: DEFAULT_INGEST_OPTIONS.maxLineBytes, describe: 'longer lines are rejected' })
  .option('retention-hours', { type: 'number', default: Number(process.env.KS_RETENTION_HOURS ?? 24), describe: 'raw rows older than this are pruned (env KS_RETENTION_HOURS)' })
  .option('signal-retention-days', { type: 'number', default: 7, describe: 'resolved signals older than this are pruned' })
  .option('retention-every-s', { type: 'number', default: 60, describe: 'how often retention runs' })
  .option('classify', { type: 'boolean', default: true, describe: 'run the semantic classifiers (--no-classify to store raw rows only)' })
  .check((a) => {
    for (const k of ['batch-size', 'flush-ms', 'max-line-bytes', 'retention-hours', 'signal-retention-days', 'retention-every-s'] as const) {
      if (!(Number(a[k]) > 0)) throw new Error(`--${k} must be a positive number, got ${String(a[k])}`);
    }
    if (a['flush-ms'] > 250) throw new Error('--flush-ms must be <= 250 so rows reach readers promptly');
    return true;
  })
  .parse();

const log = createLogger('ingestion', { logDir: argv.logDir, level: argv.logLevel });
const db = openDatabase(argv.db);

const classifierErrors = new RateLimiter(3, 60_000);
const observer: SignalEngine | undefined = argv.classify
  ? createSignalEngine({
    cpus: os.availableParallelism(),
    onError: (where, err) => {
      const { ok, suppressed } = classifierErrors.allow(where);
      if (ok) log.warn(`classifier error in ${where}${suppressed ? ` (${suppressed} similar suppressed)` : ''}: ${(err as Error)?.stack ?? String(err)}`);
    },
  })
  : undefined;

const ingester = new Ingester(db, log, {
  ...DEFAULT_INGEST_OPTIONS,
  batchSize: argv.batchSize,
  flushMs: argv.flushMs,
  maxLineBytes: argv.maxLineBytes,
  retention: { rawMaxAgeS: argv.retentionHours * 3600, signalMaxAgeS: argv.signalRetentionDays * 86400, batchRows: 2000 },
  retentionEveryMs: argv.retentionEveryS * 1000,
}, observer);
log.info(`ingest started: db=${argv.db} classify=${observer ? 'on' : 'off'} pid=${process.pid}`);

let stopping = false;
async function stop(reason: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    ingester.close();
    // Baselines are persisted periodically; keep the samples since the last save.
    observer?.flush(db);
    db.close();
    log.info(`ingest stopped (${reason})`);
  } catch (e) {
    log.error(`ingest stop failed: ${(e as Error).message}`);
    code = 1;
  }
  await closeLogger(log);
  process.exit(code);
}

process.stdin.on('data', (chunk: Buffer) => {
  try {
    ingester.push(chunk);
  } catch (e) {
    // Write errors are caught, counted and retried inside the ingester; what still
    // throws here is unrecoverable in this process: exit non-zero so the supervisor
    // restarts us (every earlier batch is committed).
    log.error(`write failed: ${(e as Error).stack ?? (e as Error).message}`);
    void stop('write failure', 1);
  }
});
process.stdin.on('end', () => void stop('end of input'));
process.stdin.on('error', (e) => void stop(`stdin error: ${e.message}`));
stopEarly = (sig) => void stop(sig);
// Readers elsewhere want the retention pass early, not 60 s after start.
setTimeout(() => void ingester.prune(), 5000).unref();
