// signal_metadata as readers see it: open signals, recent ones, one with its
// evidence (patterns, hints, context), the ones related to it, counts. Rows are
// as stored: times in epoch seconds, strings exactly as a classifier copied them
// from the host (readers escape them for their own output).
import { bySeverityDesc, rank, SEVERITIES } from '../severity.js';
import { tableExists, type Db } from '../db.js';
import type { SignalMetadataRow } from '../signal-row.js';
import { parseJson } from './json.js';

/** A signal as read (`timestamp` is first_seen again, so it is left out). */
export type SignalRecord = Omit<SignalMetadataRow, 'timestamp'>;


const COLS = `signal_id, signal_category, signal_type, scope, semantic_label, severity, max_severity, pressure_score, summary,
  patterns, reasoning_hints, entity_type, entity_id, entity_name, context_json, first_seen, last_seen, occurrence_count, status, resolved_at`;

const RANK_SQL = `CASE severity ${SEVERITIES.map((s) => `WHEN '${s}' THEN ${rank(s)}`).join(' ')} ELSE 0 END`;

const ORDER = {
  /** What a person reads first: most severe, then highest pressure, then newest. */
  severity: `${RANK_SQL} DESC, pressure_score DESC, last_seen DESC`,
  /** What the agent acts on first. */
  pressure: 'pressure_score DESC, last_seen DESC',
} as const;

export interface OpenSignalOptions {
  readonly limit?: number;
  /** Only signals seen at or after this time: an open row nobody advanced for long is not news. */
  readonly sinceS?: number;
  readonly order?: keyof typeof ORDER;
}

export function openSignals(db: Db, o: OpenSignalOptions = {}): SignalRecord[] {
  if (!tableExists(db, 'signal_metadata')) return [];
  return db.prepare(`SELECT ${COLS} FROM signal_metadata WHERE status = 'open' AND last_seen >= ? ORDER BY ${ORDER[o.order ?? 'severity']} LIMIT ?`)
    .all(o.sinceS ?? -Infinity, o.limit ?? 20) as SignalRecord[];
}

/** Signals active at any time in [fromS, toS] (opened before its end, not resolved before its start), oldest first. */
export function signalsIn(db: Db, w: { readonly fromS: number; readonly toS: number }, limit = 200): SignalRecord[] {
  if (!tableExists(db, 'signal_metadata')) return [];
  return db.prepare(`SELECT ${COLS} FROM signal_metadata WHERE first_seen <= ? AND COALESCE(resolved_at, last_seen) >= ? ORDER BY first_seen, signal_id LIMIT ?`)
    .all(w.toS, w.fromS, limit) as SignalRecord[];
}

/** Signals seen (open or resolved) since sinceS, newest first. */
export function recentSignals(db: Db, sinceS: number, limit = 30): SignalRecord[] {
  if (!tableExists(db, 'signal_metadata')) return [];
  return db.prepare(`SELECT ${COLS} FROM signal_metadata WHERE last_seen >= ? ORDER BY last_seen DESC LIMIT ?`).all(sinceS, limit) as SignalRecord[];
}

export function signalById(db: Db, id: number): SignalRecord | undefined {
  if (!tableExists(db, 'signal_metadata')) return undefined;
  return db.prepare(`SELECT ${COLS} FROM signal_metadata WHERE signal_id = ?`).get(id) as SignalRecord | undefined;
}

export interface Evidence {
  readonly patterns: unknown[];
  readonly hints: unknown[];
  readonly context: Record<string, unknown>;
}

/** A signal's JSON columns parsed; a broken one reads as empty. */
export function evidenceOf(r: Pick<SignalRecord, 'patterns' | 'reasoning_hints' | 'context_json'>): Evidence {
  const arr = (t: string) => { const v = parseJson<unknown>(t, []); return Array.isArray(v) ? v : []; };
  const ctx = parseJson<unknown>(r.context_json, {});
  return {
    patterns: arr(r.patterns), hints: arr(r.reasoning_hints),
    context: typeof ctx === 'object' && ctx !== null && !Array.isArray(ctx) ? (ctx as Record<string, unknown>) : {},
  };
}

/** Open signals per severity, most severe first. */
export function openCounts(db: Db): Record<string, number> {
  if (!tableExists(db, 'signal_metadata')) return {};
  const rows = db.prepare(`SELECT severity, COUNT(*) AS n FROM signal_metadata WHERE status = 'open' GROUP BY severity`).all() as Array<{ severity: string; n: number }>;
  return Object.fromEntries(rows.sort(bySeverityDesc).map((r) => [r.severity, r.n]));
}

/** Open signals per (type, severity). */
export function openByTypeAndSeverity(db: Db): Array<{ type: string; severity: string; n: number }> {
  if (!tableExists(db, 'signal_metadata')) return [];
  return db.prepare("SELECT signal_type AS type, severity, COUNT(*) AS n FROM signal_metadata WHERE status = 'open' GROUP BY 1, 2").all() as Array<{ type: string; severity: string; n: number }>;
}

/** Where a walk over resolutions stands: resolved_at, then signal_id for ties. */
export interface ResolvedCursor { readonly at: number; readonly id: number }

/** The newest resolution now: where a walk that starts now begins. */
export function resolvedCursorNow(db: Db): ResolvedCursor {
  if (!tableExists(db, 'signal_metadata')) return { at: 0, id: 0 };
  const r = db.prepare("SELECT resolved_at AS at, signal_id AS id FROM signal_metadata WHERE status = 'resolved' ORDER BY resolved_at DESC, signal_id DESC LIMIT 1").get() as ResolvedCursor | undefined;
  return r ?? { at: 0, id: 0 };
}

/** Signals resolved after the cursor, in resolution order. */
export function resolvedAfter(db: Db, c: ResolvedCursor, limit = 10_000): SignalRecord[] {
  if (!tableExists(db, 'signal_metadata')) return [];
  return db.prepare(`SELECT ${COLS} FROM signal_metadata WHERE status = 'resolved' AND (resolved_at > ? OR (resolved_at = ? AND signal_id > ?))
    ORDER BY resolved_at, signal_id LIMIT ?`).all(c.at, c.at, c.id, limit) as SignalRecord[];
}

/** How many signals are open; undefined when the table does not exist. */
export function openSignalCount(db: Db): number | undefined {
  if (!tableExists(db, 'signal_metadata')) return undefined;
  return Object.values(openCounts(db)).reduce((a, b) => a + b, 0);
}

/** Overlap of two [a0,a1], [b0,b1] windows in seconds (0 if disjoint). */
export function overlapS(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/** Signals whose active window touches the base signal's (with slack), or that concern the same entity. */
export function relatedSignals(db: Db, base: SignalRecord, slackS: number, limit = 15): SignalRecord[] {
  if (!tableExists(db, 'signal_metadata')) return [];
  return db.prepare(`SELECT ${COLS} FROM signal_metadata
    WHERE signal_id != @id AND ((first_seen <= @to AND last_seen >= @from) OR (entity_id IS NOT NULL AND entity_id = @entity AND entity_type = @etype))
    ORDER BY last_seen DESC LIMIT @limit`).all({
    id: base.signal_id, from: base.first_seen - slackS, to: base.last_seen + slackS,
    entity: base.entity_type === 'system' ? null : base.entity_id, etype: base.entity_type, limit,
  }) as SignalRecord[];
}
