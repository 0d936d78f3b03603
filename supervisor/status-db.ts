// What the status view reads from the database, through the read model, read-only
// and defensively: the database may not exist yet (ingest just started), and a
// figure that cannot be read shows as "unknown" instead of stopping anything.
import fs from 'node:fs';
import { openDatabase, type Db } from '../lib/db.js';
import type { AuditRow } from '../lib/read-model/decisions.js';
import { statusFigures } from '../lib/read-model/status.js';
import { escapeUntrusted } from '../lib/sanitize.js';

export interface DbFigures {
  /** Events ingest stored per second since the previous read (undefined on the first). */
  readonly eventsPerSec?: number;
  readonly totalEvents?: number;
  readonly openSignals?: number;
  readonly lastAction?: string;
}

/** "<action> on <process> (<status>) at HH:MM:SS" for the newest audit row; names escaped for the terminal. */
function actionLine(r: AuditRow): string {
  const target = r.target_comm || (r.target_pid !== null ? String(r.target_pid) : null);
  const when = new Date(r.ts * 1000).toTimeString().slice(0, 8);
  return [escapeUntrusted(r.action, 40), target && `on ${escapeUntrusted(target, 40)}`, `(${escapeUntrusted(r.status, 40)})`, `at ${when}`].filter(Boolean).join(' ');
}

export class StatusDb {
  private db: Db | undefined;
  private prev: { total: number; at: number } | undefined;

  constructor(private readonly file: string) {}

  read(now = Date.now()): DbFigures {
    const db = this.open();
    if (!db) return {};
    const f = statusFigures(db);
    const total = f.totalEvents;
    let eventsPerSec: number | undefined;
    if (total !== undefined && this.prev && now > this.prev.at) {
      eventsPerSec = Math.max(0, (total - this.prev.total) / ((now - this.prev.at) / 1000));
    }
    if (total !== undefined) this.prev = { total, at: now };
    return {
      totalEvents: total,
      eventsPerSec,
      openSignals: f.openSignals,
      lastAction: f.lastAction === undefined ? undefined : f.lastAction === null ? 'none yet' : actionLine(f.lastAction),
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
}
