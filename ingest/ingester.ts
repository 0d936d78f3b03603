// The ingest pipeline: bytes → lines → validated events → batches → SQLite.
// Lines are handled synchronously as chunks arrive, so when SQLite is slow the
// 'data' handler is slow and the stream's own backpressure holds the producer.
import type { Db } from '../lib/db.js';
import type { Logger } from '../lib/logger.js';
import { RateLimiter } from '../lib/logger.js';
import { LineSplitter } from '../lib/line-splitter.js';
import { parseLine, sampleOf } from './parse-line.js';
import { sourceOfReject } from './sources.js';
import { Store, type Batch } from './store.js';
import type { EventObserver } from './observer.js';
import { recordEndedIncidents } from './incident-log.js';
import { Retention, type RetentionPolicy } from './retention.js';

export interface IngestOptions {
  readonly maxLineBytes: number;
  readonly batchSize: number;
  readonly flushMs: number;
  readonly retention: RetentionPolicy;
  readonly retentionEveryMs: number;
  readonly statsEveryMs: number;
}

export const DEFAULT_INGEST_OPTIONS: IngestOptions = {
  maxLineBytes: 64 * 1024,
  batchSize: 5000,
  flushMs: 200,
  retention: { rawMaxAgeS: 24 * 3600, signalMaxAgeS: 7 * 24 * 3600, batchRows: 2000 },
  retentionEveryMs: 60_000,
  statsEveryMs: 30_000,
};

export interface IngestCounters {
  lines: number;
  stored: number;
  rejected: number;
  batches: number;
  observerErrors: number;
  pruned: number;
  /** Batch writes that failed (SQLITE_BUSY past the timeout, disk full...); their rows were kept for a retry. */
  writeErrors: number;
  /** Rows given up on: over the pending cap while writes kept failing, or a failed final flush. */
  writeDropped: number;
}

/** After a failed write, the next attempt waits this long (the timer, the tick or a full batch). */
export const WRITE_RETRY_MS = 1000;
/** Rows kept while writes fail, as a multiple of batchSize; beyond it the oldest are dropped, counted. */
const PENDING_BATCHES = 20;

export class Ingester {
  readonly counters: IngestCounters = { lines: 0, stored: 0, rejected: 0, batches: 0, observerErrors: 0, pruned: 0, writeErrors: 0, writeDropped: 0 };
  private readonly store: Store;
  private readonly retention: Retention;
  private readonly splitter: LineSplitter;
  private batch: Batch = { events: [], rejects: [] };
  private readonly timers: NodeJS.Timeout[] = [];
  /** Armed by the first row of a batch: an idle ingest has no flush timer running. */
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly limiter = new RateLimiter(5, 60_000);
  private pruning = false;
  /** Set by a failed write: no attempt before this time (Date.now()). */
  private retryAt = 0;
  private closed = false;
  private lastStats = { at: Date.now(), stored: 0 };

  constructor(private readonly db: Db, private readonly log: Logger, private readonly opts: IngestOptions, observer?: EventObserver) {
    this.store = new Store(db, observer);
    this.retention = new Retention(db, opts.retention);
    this.splitter = new LineSplitter({
      line: (b) => this.onLine(b),
      tooLong: (head, bytes) => this.reject('unknown', 'too_long', `line of ${bytes} bytes exceeds ${opts.maxLineBytes}`, head, bytes),
    }, opts.maxLineBytes);
    // unref: timers must never be what keeps the process alive after input ends.
    const every = (ms: number, fn: () => void) => { const t = setInterval(fn, ms); t.unref(); this.timers.push(t); };
    every(1000, () => this.tick());
    every(opts.retentionEveryMs, () => void this.prune());
    every(opts.statsEveryMs, () => this.logStats());
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  /** Input ended: the last line without a newline still counts. */
  end(): void {
    this.splitter.flush();
    this.flush(true);
  }

  /**
   * Commit the pending rows. Every path (the flush timer, the 1 s tick, a full
   * batch, retention, the end) comes here, and none of them may crash the
   * process on an SQLite error: a failed write is counted, its rows are kept and
   * retried after WRITE_RETRY_MS (bounded; the overflow is dropped and counted).
   * final: the last attempt at close, made even while backing off.
   */
  flush(final = false): void {
    if (!final && Date.now() < this.retryAt) return; // backing off: the retry timer is armed
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.batch.events.length === 0 && this.batch.rejects.length === 0) return;
    const batch = this.batch;
    this.batch = { events: [], rejects: [] };
    let res;
    try {
      res = this.store.write(batch, Date.now() / 1000);
    } catch (e) {
      this.writeFailed(batch, e as Error, final);
      return;
    }
    this.retryAt = 0;
    this.counters.stored += res.stored;
    this.counters.rejected += res.rejected;
    this.counters.batches++;
    if (res.observerError) {
      this.counters.observerErrors++;
      this.warnLimited('observer', `classifier failed on a batch (raw rows kept): ${res.observerError.stack ?? res.observerError.message}`);
    }
  }

  private writeFailed(batch: Batch, err: Error, final: boolean): void {
    this.counters.writeErrors++;
    const rows = batch.events.length + batch.rejects.length;
    if (final) {
      this.counters.writeDropped += rows;
      this.log.error(`final write failed, ${rows} rows lost: ${err.message}`);
      return;
    }
    // store.write is synchronous: nothing arrived meanwhile, the batch is all there is.
    const cap = this.opts.batchSize * PENDING_BATCHES;
    const over = Math.max(0, batch.events.length - cap) + Math.max(0, batch.rejects.length - cap);
    if (over) {
      batch.events.splice(0, Math.max(0, batch.events.length - cap));
      batch.rejects.splice(0, Math.max(0, batch.rejects.length - cap));
      this.counters.writeDropped += over;
    }
    this.batch = batch;
    this.retryAt = Date.now() + WRITE_RETRY_MS;
    this.flushTimer = setTimeout(() => this.flush(), WRITE_RETRY_MS);
    this.flushTimer.unref();
    this.warnLimited('write', `write failed, rows kept for a retry in ${WRITE_RETRY_MS} ms (${rows - over} waiting` +
      `${over ? `, ${over} oldest dropped` : ''}; ${this.counters.writeErrors} failures so far): ${(err as { code?: string }).code ?? ''} ${err.message}`);
  }

  async prune(): Promise<void> {
    if (this.pruning || this.closed) return;
    this.pruning = true;
    try {
      this.flush();
      // Before the raw rows behind them go: the stories of incidents that ended.
      const stored = recordEndedIncidents(this.db, Date.now() / 1000, this.opts.retention.rawMaxAgeS);
      if (stored) this.log.info('IncidentsRecorded', { stored });
      const deleted = await this.retention.run(Date.now() / 1000, () => new Promise((r) => setImmediate(r)));
      const total = Object.values(deleted).reduce((a, b) => a + b, 0);
      this.counters.pruned += total;
      if (total) this.log.info('RetentionPruned', { deleted });
    } catch (e) {
      this.warnLimited('retention', `retention pass failed: ${(e as Error).message}`);
    } finally {
      this.pruning = false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.end();
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.logStats();
  }

  /** No row waits longer than flushMs for its commit. */
  private armFlush(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = setTimeout(() => this.flush(), this.opts.flushMs);
    this.flushTimer.unref();
  }

  private onLine(line: Buffer): void {
    this.counters.lines++;
    const nowS = Date.now() / 1000;
    const r = parseLine(line, nowS);
    if (r.ok) {
      this.batch.events.push(r.event);
      this.armFlush();
      if (this.batch.events.length >= this.opts.batchSize) this.flush();
    } else {
      this.reject(sourceOfReject(r.type), r.code, r.error, line, line.length);
    }
  }

  private reject(source: string, code: Batch['rejects'][number]['code'], error: string, line: Buffer, bytes: number): void {
    this.batch.rejects.push({ ts: Date.now() / 1000, source, code, error, sample: sampleOf(line), lineBytes: bytes });
    this.armFlush();
    this.warnLimited(`reject:${code}`, `LineRejected ${code}: ${error}`);
    if (this.batch.rejects.length >= this.opts.batchSize) this.flush();
  }

  private tick(): void {
    this.flush();
    const err = this.store.tick(Date.now() / 1000);
    if (err) {
      this.counters.observerErrors++;
      this.warnLimited('tick', `classifier tick failed: ${err.stack ?? err.message}`);
    }
  }

  private warnLimited(key: string, msg: string): void {
    const { ok, suppressed } = this.limiter.allow(key);
    if (ok) this.log.warn(suppressed ? `${msg} (${suppressed} similar suppressed)` : msg);
  }

  private logStats(): void {
    const now = Date.now();
    const rate = ((this.counters.stored - this.lastStats.stored) * 1000) / Math.max(1, now - this.lastStats.at);
    this.lastStats = { at: now, stored: this.counters.stored };
    this.log.info('IngestStats', { ...this.counters, events_per_s: Math.round(rate * 10) / 10 });
  }
}
