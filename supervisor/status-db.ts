// What the status view reads from the database, read-only and defensively: the
// database may not exist yet (ingest just started), and a table may not exist
// (the agent is not installed), so every query is guarded and a failure shows as
// "unknown" instead of stopping anything.
import fs from 'node:fs';
import { openDatabase, type Db } from '../lib/db.js';
import { escapeUntrusted } from '../lib/sanitize.js';

export interface DbFigures {
  /** Events ingest stored per second since the previous read (undefined on the first). */
  readonly eventsPerSec?: number;
  readonly totalEvents?: number;
  readonly openSignals?: number;
  readonly lastAction?: string;
}

export class StatusDb {
  private db: Db | undefined;
  private prev: { total: number; at: number } | undefined;

  constructor(private readonly file: string) {}

  read(now = Date.now()): DbFigures {
    const db = this.open();
    if (!db) return {};
    const total = this.scalar(db, 'collectors', 'SELECT COALESCE(SUM(event_count), 0) AS v FROM collectors');
    let eventsPerSec: number | undefined;
    if (total !== undefined && this.prev && now > this.prev.at) {
      eventsPerSec = Math.max(0, (total - this.prev.total) / ((now - this.prev.at) / 1000));
    }
    if (total !== undefined) this.prev = { total, at: now };
    return {
      totalEvents: total,
      eventsPerSec,
      openSignals: this.scalar(db, 'signal_metadata', "SELECT COUNT(*) AS v FROM signal_metadata WHERE status = 'open'"),
      lastAction: this.lastAction(db),
    };
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  private open(): Db | undefined {
    if (this.db) return this.db;
    if (!fs.existsSync(this.file)) return undefined;
    try {
      this.db = openDatabase(this.file, { readonly: true, busyTimeoutMs: 200 });
    } catch {
      this.db = undefined;
    }
    return this.db;
  }

  private hasTable(db: Db, name: string): boolean {
    try {
      return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
    } catch {
      return false;
    }
  }

  private scalar(db: Db, table: string, sql: string): number | undefined {
    if (!this.hasTable(db, table)) return undefined;
    try {
      const row = db.prepare(sql).get() as { v: number } | undefined;
      return row?.v;
    } catch {
      return undefined;
    }
  }

  /** A one-line summary of the newest agent_actions row, whatever its exact columns. */
  private lastAction(db: Db): string | undefined {
    if (!this.hasTable(db, 'agent_actions')) return undefined;
    try {
      const row = db.prepare('SELECT * FROM agent_actions ORDER BY rowid DESC LIMIT 1').get() as Record<string, unknown> | undefined;
      if (!row) return 'none yet';
      const pick = (...keys: string[]): string | undefined => {
        for (const k of keys) if (row[k] !== undefined && row[k] !== null && row[k] !== '') return escapeUntrusted(String(row[k]), 40);
        return undefined;
      };
      const what = pick('action', 'action_type', 'action_name', 'kind') ?? 'action';
      const outcome = pick('outcome', 'status', 'decision', 'result');
      const target = pick('target_comm', 'target_name', 'target', 'target_pid');
      const ts = Number(pick('timestamp', 'ts', 'created_at'));
      const when = Number.isFinite(ts) && ts > 1e9 ? new Date(ts * 1000).toTimeString().slice(0, 8) : undefined;
      return [what, target && `on ${target}`, outcome && `(${outcome})`, when && `at ${when}`].filter(Boolean).join(' ');
    } catch {
      return undefined;
    }
  }
}
