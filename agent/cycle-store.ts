// agent_cycles: one row per cycle, each phase's output stored as it completes (the
// agent's own table, so updating a running cycle's row is fine; the audit trail is
// what is append-only). Old cycles are pruned: they are bulky and only the audit
// needs to last.
import { writeTx, type Db } from '../lib/db.js';

export type Phase = 'observe' | 'explain' | 'simulate' | 'decide' | 'execute' | 'verify';

/** Cap each phase's JSON so one pathological cycle cannot bloat the database. */
const MAX_JSON = 200_000;

export class CycleStore {
  constructor(private readonly db: Db) {}

  start(mode: string, nowS = Date.now() / 1000): number {
    return Number(writeTx(this.db, () => this.db.prepare('INSERT INTO agent_cycles (started_at, mode) VALUES (?, ?)').run(nowS, mode).lastInsertRowid));
  }

  phase(id: number, phase: Phase, output: unknown): void {
    let json = JSON.stringify(output);
    if (json.length > MAX_JSON) json = JSON.stringify({ truncated: true, bytes: json.length, head: json.slice(0, 2000) });
    writeTx(this.db, () => this.db.prepare(`UPDATE agent_cycles SET ${phase}_json = ? WHERE id = ?`).run(json, id));
  }

  finish(id: number, f: { status: string; decidedBy?: string; model?: string | null; signalIds?: number[]; error?: string }, nowS = Date.now() / 1000): void {
    writeTx(this.db, () => this.db.prepare(`UPDATE agent_cycles SET finished_at = ?, status = ?, decided_by = ?, model = ?, signal_ids = ?, error = ? WHERE id = ?`)
      .run(nowS, f.status, f.decidedBy ?? null, f.model ?? null, JSON.stringify(f.signalIds ?? []), f.error ?? null, id));
  }

  prune(maxAgeS: number, nowS = Date.now() / 1000): number {
    return writeTx(this.db, () => this.db.prepare('DELETE FROM agent_cycles WHERE started_at < ?').run(nowS - maxAgeS).changes);
  }
}
