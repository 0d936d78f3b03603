// Hysteresis, duration gates and dedup for signal_metadata. One open row per
// dedup_key (the partial unique index enforces it); an ongoing condition advances
// that row's last_seen / occurrence_count instead of adding rows, and resolves it
// (status='resolved', resolved_at) when the exit gate holds or evidence goes stale.
// Open rows are reloaded at start, so a restarted ingest continues them.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../lib/db.js';
import { higher, type Severity } from '../../lib/severity.js';
import { draftKeeps, draftSeverity, hasDraft, type Observation, type SignalDraft } from './signal.js';

interface Cond {
  rowId?: number;
  enterStreak: number;
  firstEnterTs: number;
  exitStreak: number;
  lastEvidenceTs: number; // last enter/hold observation
  lastObsTs: number;
  staleS: number;
  occurrences: number;
  maxSeverity: Severity;
  /** The latest evidence not yet written; its draft is built only at the end of a batch. */
  pending?: { obs: Pick<Observation, 'draft'>; ts: number; severity: Severity };
  /** What the row says now: when it was last written (wall clock) and its severities then. */
  written?: { atMs: number; severity: Severity; maxSeverity: Severity };
}

/**
 * An open row advances at most this often while its severity stays the same: a
 * burst updates the same rows with every batch (many a second), and each update
 * rewrites the row's JSON. tick(), resolving and shutdown write everything pending.
 */
const WRITE_EVERY_MS = 1000;

export interface StoreStats { opened: number; resolved: number; updated: number }

export class SignalStore {
  private readonly conds = new Map<string, Cond>();
  private loaded = false;
  /** Prepared once per connection: flush runs after every batch. */
  private prepared?: Statements;
  readonly stats: StoreStats = { opened: 0, resolved: 0, updated: 0 };

  /** @param staleFor staleness timeout for rows reloaded from the database, by signal_type. */
  constructor(private readonly staleFor: (signalType: string) => number) {}

  /** Adopt the rows left open by a previous run (idempotent). */
  load(db: Db): void {
    if (this.loaded) return;
    this.loaded = true;
    const rows = db.prepare(`SELECT signal_id, dedup_key, signal_type, last_seen, occurrence_count, max_severity
      FROM signal_metadata WHERE status = 'open'`).all() as {
      signal_id: number; dedup_key: string; signal_type: string; last_seen: number; occurrence_count: number; max_severity: Severity;
    }[];
    for (const r of rows) {
      this.conds.set(r.dedup_key, {
        rowId: r.signal_id, enterStreak: 0, firstEnterTs: r.last_seen, exitStreak: 0,
        lastEvidenceTs: r.last_seen, lastObsTs: r.last_seen, staleS: this.staleFor(r.signal_type),
        occurrences: r.occurrence_count, maxSeverity: r.max_severity,
      });
    }
  }

  apply(db: Db, obs: Observation): void {
    this.load(db);
    let c = this.conds.get(obs.key);
    if (!c) {
      if (obs.level !== 'enter') return;
      c = { enterStreak: 0, firstEnterTs: obs.ts, exitStreak: 0, lastEvidenceTs: obs.ts, lastObsTs: obs.ts,
        staleS: obs.gate.staleS, occurrences: 0, maxSeverity: 'none' };
      this.conds.set(obs.key, c);
    }
    c.lastObsTs = Math.max(c.lastObsTs, obs.ts);
    c.staleS = obs.gate.staleS;
    if (c.rowId === undefined) {
      if (obs.level !== 'enter' || !hasDraft(obs)) { this.conds.delete(obs.key); return; }
      if (c.enterStreak === 0) c.firstEnterTs = obs.ts;
      c.enterStreak++;
      c.lastEvidenceTs = obs.ts;
      const longEnough = obs.ts - c.firstEnterTs >= (obs.gate.enterSeconds ?? 0);
      if (c.enterStreak >= obs.gate.enterSamples && longEnough) this.open(db, obs.key, c, obs.draft!, obs.ts);
      return;
    }
    if (obs.level === 'exit') {
      c.exitStreak++;
      if (c.exitStreak >= obs.gate.exitSamples) this.resolve(db, obs.key, c, obs.ts);
      return;
    }
    if (!hasDraft(obs)) return;
    c.exitStreak = 0;
    c.lastEvidenceTs = Math.max(c.lastEvidenceTs, obs.ts);
    c.occurrences++;
    // Between flushes only the latest draft is written, so the peak is tracked here.
    const severity = openSeverity(draftSeverity(obs));
    c.maxSeverity = higher(c.maxSeverity, severity);
    // Updated in place: an open row can get thousands of updates between flushes.
    if (c.pending) { c.pending.obs = obs; c.pending.ts = c.lastEvidenceTs; c.pending.severity = severity; }
    else c.pending = { obs, ts: c.lastEvidenceTs, severity };
  }

  /** Write the latest state of every condition that advanced since the last flush. */
  flush(db: Db): void {
    this.write(db, undefined);
  }

  /**
   * End of a batch: write the rows that are due (severity changed, or not written
   * for WRITE_EVERY_MS); the others keep their evidence pending, with its draft
   * built now, from this batch's state.
   */
  flushDue(db: Db, nowMs = Date.now()): void {
    this.write(db, nowMs);
  }

  private write(db: Db, dueAtMs: number | undefined): void {
    let upd: Statement | undefined;
    let failed: unknown;
    for (const c of this.conds.values()) {
      const p = c.pending;
      if (!p || c.rowId === undefined) continue;
      const w = c.written;
      const defer = dueAtMs !== undefined && w !== undefined && dueAtMs - w.atMs < WRITE_EVERY_MS
        && w.severity === p.severity && w.maxSeverity === c.maxSeverity;
      let draft: SignalDraft;
      try {
        // Deferred: a draft that reads HostState must still be built from this batch's state.
        if (defer && draftKeeps(p.obs)) continue;
        draft = p.obs.draft!;
      } catch (err) {
        // A classifier's draft that cannot be built loses that evidence, not the other rows' writes.
        c.pending = undefined;
        failed ??= err;
        continue;
      }
      if (defer) continue;
      upd ??= this.sql(db).update;
      upd.run(p.ts, c.occurrences, p.severity, c.maxSeverity, draft.score, draft.summary, draft.label,
        JSON.stringify(draft.patterns), JSON.stringify(draft.hints), JSON.stringify(draft.context),
        draft.source.table, draft.source.id, draft.entity.name, c.rowId);
      c.pending = undefined;
      c.written = { atMs: dueAtMs ?? Date.now(), severity: p.severity, maxSeverity: c.maxSeverity };
      this.stats.updated++;
    }
    if (failed !== undefined) throw failed;
  }

  /** Resolve open conditions without evidence for their staleness timeout; drop abandoned gates. */
  expire(db: Db, nowS: number): void {
    this.load(db);
    this.flush(db);
    for (const [key, c] of this.conds) {
      if (c.rowId !== undefined) {
        if (nowS - c.lastEvidenceTs > c.staleS) this.resolve(db, key, c, nowS);
      } else if (nowS - c.lastObsTs > c.staleS) {
        this.conds.delete(key);
      }
    }
  }

  private sql(db: Db): Statements {
    if (this.prepared?.db !== db) this.prepared = prepare(db);
    return this.prepared;
  }

  isOpen(key: string): boolean {
    return this.conds.get(key)?.rowId !== undefined;
  }

  private open(db: Db, key: string, c: Cond, d: SignalDraft, ts: number): void {
    const existing = this.sql(db).existing.get(key) as { signal_id: number } | undefined;
    const sev = openSeverity(d.severity);
    c.occurrences = c.enterStreak;
    c.maxSeverity = sev;
    c.exitStreak = 0;
    c.pending = undefined;
    if (existing) { c.rowId = existing.signal_id; c.pending = { obs: { draft: d }, ts, severity: sev }; return; }
    const context = { ...d.context, opened_at: ts, first_source: d.source };
    const r = this.sql(db).insert.run(
      c.firstEnterTs, d.category, d.type, d.scope, d.label, sev, d.score, d.summary,
      JSON.stringify(d.patterns), JSON.stringify(d.hints), d.source.table, d.source.id,
      d.entity.type, d.entity.id, d.entity.name, JSON.stringify(context), c.firstEnterTs, ts,
      c.occurrences, sev, key);
    c.rowId = Number(r.lastInsertRowid);
    c.written = { atMs: Date.now(), severity: sev, maxSeverity: sev };
    this.stats.opened++;
  }

  private resolve(db: Db, key: string, c: Cond, ts: number): void {
    this.flush(db);
    this.sql(db).resolve.run(ts, c.rowId);
    this.conds.delete(key);
    this.stats.resolved++;
  }
}

interface Statements { db: Db; update: Statement; existing: Statement; insert: Statement; resolve: Statement }

function prepare(db: Db): Statements {
  return {
    db,
    update: db.prepare(`UPDATE signal_metadata SET last_seen = ?, occurrence_count = ?, severity = ?,
      max_severity = ?, pressure_score = ?, summary = ?, semantic_label = ?, patterns = ?, reasoning_hints = ?,
      context_json = json_patch(context_json, ?), source_table = ?, source_id = ?, entity_name = ? WHERE signal_id = ?`),
    existing: db.prepare(`SELECT signal_id FROM signal_metadata WHERE dedup_key = ? AND status = 'open'`),
    insert: db.prepare(`INSERT INTO signal_metadata (timestamp, signal_category, signal_type, scope, semantic_label,
      severity, pressure_score, summary, patterns, reasoning_hints, source_table, source_id, entity_type, entity_id,
      entity_name, context_json, first_seen, last_seen, occurrence_count, max_severity, status, dedup_key)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`),
    resolve: db.prepare(`UPDATE signal_metadata SET status = 'resolved', resolved_at = ? WHERE signal_id = ? AND status = 'open'`),
  };
}

/** An open row is at least "low": "none" would claim nothing is wrong while it is open. */
const openSeverity = (s: Severity): Severity => (s === 'none' ? 'low' : s);
