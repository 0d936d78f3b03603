// Reading signal_metadata. Every string a classifier copied from the host
// (process names, summaries that contain them) is escaped and capped, and entity
// names are quoted: to a model they are data, to a terminal they are inert.
import { tableExists, type Db } from '../../lib/db.js';
import type { SignalMetadataRow } from '../../lib/signal-row.js';
import { escapeUntrusted, quoteUntrusted } from '../../lib/sanitize.js';
import { SEVERITY_RANK } from '../format.js';
import { isoLocal } from '../time.js';

export type SignalDbRow = Omit<SignalMetadataRow, 'timestamp'>;

export interface SignalView {
  readonly signal_id: number;
  readonly type: string;
  readonly category: string;
  readonly severity: string;
  readonly max_severity: string;
  readonly pressure_score: number;
  readonly status: string;
  readonly entity: string;
  readonly summary: string;
  readonly first_seen: string;
  readonly last_seen: string;
  readonly resolved_at?: string;
  readonly duration_s: number;
  readonly occurrences: number;
}

const COLS = `signal_id, signal_category, signal_type, scope, semantic_label, severity, max_severity, pressure_score, summary,
  patterns, reasoning_hints, entity_type, entity_id, entity_name, context_json, first_seen, last_seen, occurrence_count, status, resolved_at`;

const bySeverity = (a: SignalDbRow, b: SignalDbRow) =>
  (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0) || b.pressure_score - a.pressure_score || b.last_seen - a.last_seen;

export function entityText(r: Pick<SignalDbRow, 'entity_type' | 'entity_id' | 'entity_name'>): string {
  if (!r.entity_type || r.entity_type === 'system') return 'host';
  const name = quoteUntrusted(r.entity_name ?? '', 40);
  return r.entity_type === 'process' ? `process ${name} (pid:start ${escapeUntrusted(r.entity_id ?? '?', 30)})` : `${r.entity_type} ${name}`;
}

export function viewSignal(r: SignalDbRow): SignalView {
  return {
    signal_id: r.signal_id, type: r.signal_type, category: r.signal_category, severity: r.severity, max_severity: r.max_severity,
    pressure_score: Math.round(r.pressure_score * 1000) / 1000, status: r.status, entity: entityText(r),
    summary: escapeUntrusted(r.summary, 400), first_seen: isoLocal(r.first_seen), last_seen: isoLocal(r.last_seen),
    ...(r.resolved_at !== null ? { resolved_at: isoLocal(r.resolved_at) } : {}),
    duration_s: Math.round(r.last_seen - r.first_seen), occurrences: r.occurrence_count,
  };
}

export function openSignalRows(db: Db, limit = 20): SignalDbRow[] {
  if (!tableExists(db, 'signal_metadata')) return [];
  return (db.prepare(`SELECT ${COLS} FROM signal_metadata WHERE status = 'open' ORDER BY last_seen DESC LIMIT 500`).all() as SignalDbRow[])
    .sort(bySeverity).slice(0, limit);
}

/** Signals seen (open or resolved) since sinceS, newest first. */
export function recentSignalRows(db: Db, sinceS: number, limit = 30): SignalDbRow[] {
  if (!tableExists(db, 'signal_metadata')) return [];
  return db.prepare(`SELECT ${COLS} FROM signal_metadata WHERE last_seen >= ? ORDER BY last_seen DESC LIMIT ?`).all(sinceS, limit) as SignalDbRow[];
}

export function signalById(db: Db, id: number): SignalDbRow | undefined {
  if (!tableExists(db, 'signal_metadata')) return undefined;
  return db.prepare(`SELECT ${COLS} FROM signal_metadata WHERE signal_id = ?`).get(id) as SignalDbRow | undefined;
}

export function openCounts(db: Db): Record<string, number> {
  if (!tableExists(db, 'signal_metadata')) return {};
  const rows = db.prepare(`SELECT severity, COUNT(*) AS n FROM signal_metadata WHERE status = 'open' GROUP BY severity`).all() as Array<{ severity: string; n: number }>;
  return Object.fromEntries(rows.sort((a, b) => (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0)).map((r) => [r.severity, r.n]));
}

/** Overlap of two [a0,a1], [b0,b1] windows in seconds (0 if disjoint). */
export function overlapS(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/** Signals whose active window touches [from, to] (with slack), or that concern the same entity. */
export function relatedRows(db: Db, base: SignalDbRow, slackS: number, limit = 15): SignalDbRow[] {
  return db.prepare(`SELECT ${COLS} FROM signal_metadata
    WHERE signal_id != @id AND ((first_seen <= @to AND last_seen >= @from) OR (entity_id IS NOT NULL AND entity_id = @entity AND entity_type = @etype))
    ORDER BY last_seen DESC LIMIT @limit`).all({
    id: base.signal_id, from: base.first_seen - slackS, to: base.last_seen + slackS,
    entity: base.entity_type === 'system' ? null : base.entity_id, etype: base.entity_type, limit,
  }) as SignalDbRow[];
}

/** Parse a JSON column that should hold an array or object; a broken one becomes empty. */
export function parseJson<T>(text: string | null, dflt: T): T {
  try { return text ? (JSON.parse(text) as T) : dflt; } catch { return dflt; }
}
