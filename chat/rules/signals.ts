// The signals a section talks about: open ones of the matching types, then the
// ones that resolved in the last hour (so "it was bad ten minutes ago" is said).
import type { Db } from '../../lib/db.js';
import { openSignals, recentSignals, type SignalRecord } from '../../lib/read-model/signals.js';
import { signalLine } from './lines.js';

// Signal types by topic (ingest/signals/classifiers: host classifiers, the syscall
// classes, baseline anomalies named after their metric).
export const TOPIC: Readonly<Record<string, RegExp>> = {
  cpu: /cpu|runaway|sched|lock_contention|load\.|psi\.cpu/,
  memory: /memory|oom|swap|fault|vmstat|psi\.memory/,
  disk: /io_congestion|block|blocking_io|async_io|file_system|psi\.io/,
  network: /network|tcp|net\./,
};

/** Searchable text of a signal: type, label and (for baseline anomalies) the metric. */
const topicText = (r: SignalRecord) => `${r.signal_type} ${r.semantic_label}`.toLowerCase();

export function topicSignals(db: Db, topic: RegExp | null, nowS: number, maxOpen = 6): { open: SignalRecord[]; resolved: SignalRecord[] } {
  const match = (r: SignalRecord) => topic === null || topic.test(topicText(r));
  const open = openSignals(db, { limit: 200 }).filter(match).slice(0, maxOpen);
  const resolved = recentSignals(db, nowS - 3600, 100).filter((r) => r.status !== 'open' && match(r)).slice(0, 3);
  return { open, resolved };
}

/** @param what "memory" -> "Open memory signals:"; "" -> "Open signals:". */
export function signalSection(s: { open: SignalRecord[]; resolved: SignalRecord[] }, what: string, sayNone = true): string[] {
  const out: string[] = [];
  const label = what ? `${what} signals` : 'signals';
  if (s.open.length === 0) { if (sayNone) out.push(`No open ${label}.`); }
  else out.push(`Open ${label}:`, ...s.open.map(signalLine));
  if (s.resolved.length > 0) out.push('Resolved in the last hour:', ...s.resolved.map(signalLine));
  return out;
}
