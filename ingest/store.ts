// Writes batches to SQLite: raw rows, rejects, collector bookkeeping, then hands
// the stored rows to the observer (classifiers) — all in ONE immediate transaction,
// so a batch is either wholly committed or not at all (kill -9 safe).
import type { Statement } from 'better-sqlite3';
import { writeTx, type Db } from '../lib/db.js';
import { EVENT_SPECS, EVENT_TYPES, fieldNames, type EventType, type KsEvent, type RejectCode } from '../lib/events.js';
import type { EventObserver, StoredEvent } from './observer.js';
import { sourceOf } from './sources.js';

export interface Reject {
  readonly ts: number;
  readonly source: string;
  readonly code: RejectCode;
  readonly error: string;
  readonly sample: string;
  readonly lineBytes: number;
}

export interface Batch {
  events: KsEvent[];
  rejects: Reject[];
}

export interface BatchResult {
  readonly stored: number;
  readonly rejected: number;
  readonly observerError?: Error;
}

// args: one reused array per statement (run() copies the values into SQLite), so
// storing a row allocates no argument list.
interface TypeWriter { stmt: Statement; names: string[]; table: string; args: unknown[] }

export class Store {
  private readonly writers = new Map<EventType, TypeWriter>();
  private readonly quarantine: Statement;
  private readonly rejectCount: Statement;
  private readonly collector: Statement;

  constructor(private readonly db: Db, private readonly observer?: EventObserver) {
    for (const type of EVENT_TYPES) {
      const names = fieldNames(type);
      const table = EVENT_SPECS[type].table;
      const sql = `INSERT INTO ${table} (timestamp, ${names.join(', ')}) VALUES (?${', ?'.repeat(names.length)})`;
      this.writers.set(type, { stmt: db.prepare(sql), names, table, args: new Array<unknown>(names.length + 1) });
    }
    this.quarantine = db.prepare(
      'INSERT INTO quarantine (timestamp, source, code, error, sample, line_bytes) VALUES (?, ?, ?, ?, ?, ?)');
    this.rejectCount = db.prepare(`INSERT INTO reject_counts (code, count, last_ts) VALUES (?, ?, ?)
      ON CONFLICT(code) DO UPDATE SET count = count + excluded.count, last_ts = excluded.last_ts`);
    this.collector = db.prepare(`INSERT INTO collectors (name, last_event_ts, event_count, error_count, last_error, updated_at)
      VALUES (@name, @last, @events, @errors, @lastError, @now)
      ON CONFLICT(name) DO UPDATE SET
        last_event_ts = COALESCE(MAX(excluded.last_event_ts, COALESCE(last_event_ts, 0)), last_event_ts),
        event_count = event_count + excluded.event_count,
        error_count = error_count + excluded.error_count,
        last_error = COALESCE(excluded.last_error, last_error),
        updated_at = excluded.updated_at`);
  }

  write(batch: Batch, nowS: number): BatchResult {
    let observerError: Error | undefined;
    writeTx(this.db, () => {
      const stored: StoredEvent[] = [];
      const perSource = new Map<string, { last: number | null; events: number; errors: number; lastError: string | null }>();
      const acc = (name: string) => {
        let s = perSource.get(name);
        if (!s) { s = { last: null, events: 0, errors: 0, lastError: null }; perSource.set(name, s); }
        return s;
      };
      for (const ev of batch.events) {
        const w = this.writers.get(ev.type)!;
        const row = ev as unknown as Record<string, unknown>;
        const { args, names } = w;
        args[0] = ev.ts;
        for (let i = 0; i < names.length; i++) args[i + 1] = row[names[i]] ?? null;
        const info = w.stmt.run(args);
        stored.push({ event: ev, table: w.table, rowId: Number(info.lastInsertRowid) });
        const s = acc(sourceOf(ev));
        s.events++;
        s.last = s.last === null ? ev.ts : Math.max(s.last, ev.ts);
      }
      const codes = new Map<RejectCode, number>();
      for (const r of batch.rejects) {
        this.quarantine.run(r.ts, r.source, r.code, r.error, r.sample, r.lineBytes);
        codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
        const s = acc(r.source);
        s.errors++;
        s.lastError = `${r.code}: ${r.error}`.slice(0, 300);
      }
      for (const [code, n] of codes) this.rejectCount.run(code, n, nowS);
      for (const [name, s] of perSource) {
        this.collector.run({ name, last: s.last, events: s.events, errors: s.errors, lastError: s.lastError, now: nowS });
      }
      if (this.observer && stored.length) {
        // A savepoint: a classifier bug rolls back only the signals, never the raw rows.
        try {
          this.db.transaction(() => this.observer!.observe(this.db, stored))();
        } catch (e) {
          observerError = e as Error;
        }
      }
    });
    return { stored: batch.events.length, rejected: batch.rejects.length, observerError };
  }

  /** Periodic observer tick, in its own short transaction. */
  tick(nowS: number): Error | undefined {
    if (!this.observer) return undefined;
    try {
      writeTx(this.db, () => this.observer!.tick(this.db, nowS));
      return undefined;
    } catch (e) {
      return e as Error;
    }
  }
}
