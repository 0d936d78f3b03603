// A signal as chat shows it. Every string a classifier copied from the host
// (process names, summaries that contain them) is escaped and capped, and entity
// names are quoted: to a model they are data, to a terminal they are inert.
import type { SignalRecord } from '../../lib/read-model/signals.js';
import { escapeUntrusted, quoteUntrusted } from '../../lib/sanitize.js';
import { isoLocal } from '../../lib/time.js';

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

export function entityText(r: Pick<SignalRecord, 'entity_type' | 'entity_id' | 'entity_name'>): string {
  if (!r.entity_type || r.entity_type === 'system') return 'host';
  const name = quoteUntrusted(r.entity_name ?? '', 40);
  return r.entity_type === 'process' ? `process ${name} (pid:start ${escapeUntrusted(r.entity_id ?? '?', 30)})` : `${r.entity_type} ${name}`;
}

export function viewSignal(r: SignalRecord): SignalView {
  return {
    signal_id: r.signal_id, type: r.signal_type, category: r.signal_category, severity: r.severity, max_severity: r.max_severity,
    pressure_score: Math.round(r.pressure_score * 1000) / 1000, status: r.status, entity: entityText(r),
    summary: escapeUntrusted(r.summary, 400), first_seen: isoLocal(r.first_seen), last_seen: isoLocal(r.last_seen),
    ...(r.resolved_at !== null ? { resolved_at: isoLocal(r.resolved_at) } : {}),
    duration_s: Math.round(r.last_seen - r.first_seen), occurrences: r.occurrence_count,
  };
}
