// An incident minute by minute: each story metric's average and worst sample per
// minute (the worst cited to its row), and what happened in that minute: signals
// opening and resolving, the agent's decisions and every later status of them
// (executed, verified, rolled back) with the verdict.
import { tableExists, type Db } from '../db.js';
import type { Cite } from './history.js';
import type { IncidentDetail } from './incidents.js';
import { resolveMetric } from './metrics.js';
import { parseJson } from './json.js';

export interface MinuteValue { readonly avg: number; readonly worst: number; readonly n: number; readonly cite: Cite }

export interface TimelineEvent {
  readonly atS: number;
  readonly kind: 'signal_opened' | 'signal_resolved' | 'action';
  readonly text: string;
  readonly cite: Cite;
}

export interface TimelineMinute {
  /** Start of the minute, epoch seconds. */
  readonly atS: number;
  readonly values: Readonly<Record<string, MinuteValue>>;
  readonly events: readonly TimelineEvent[];
}

/** At most this many minutes; a longer incident's timeline is cut at the end with a note. */
export const MAX_MINUTES = 360;

export function incidentTimeline(db: Db, d: IncidentDetail): { minutes: TimelineMinute[]; truncated: boolean } {
  const from = Math.floor(d.window.fromS / 60) * 60 - 60;
  // Through the last decision about it too (its verdict can come after the signals resolved).
  const lastAction = Math.max(d.window.toS, ...d.actions.map((a) => a.atS));
  const until = Math.min(lastAction + 60, from + MAX_MINUTES * 60);
  const minute = (t: number) => Math.floor(t / 60) * 60;
  const values = new Map<number, Record<string, MinuteValue>>();
  for (const m of d.metrics) {
    let r;
    try { r = resolveMetric(db, m.metric); } catch { continue; }
    if (!tableExists(db, r.table)) continue;
    const low = m.worst === 'min';
    const rows = db.prepare(`SELECT id, timestamp AS t, ${r.sql} AS v FROM ${r.table} WHERE timestamp >= ? AND timestamp < ?${r.groupBy ? ` AND ${r.groupBy} = ?` : ''} AND ${r.sql} IS NOT NULL ORDER BY timestamp`)
      .all(from, until, ...(r.groupBy ? [r.group] : [])) as Array<{ id: number; t: number; v: number }>;
    const acc = new Map<number, { sum: number; n: number; worst: { id: number; t: number; v: number } }>();
    for (const row of rows) {
      const k = minute(row.t);
      const a = acc.get(k);
      if (!a) { acc.set(k, { sum: row.v, n: 1, worst: row }); continue; }
      a.sum += row.v; a.n++;
      if (low ? row.v < a.worst.v : row.v > a.worst.v) a.worst = row;
    }
    for (const [k, a] of acc) {
      const slot = values.get(k) ?? {};
      slot[m.metric] = { avg: a.sum / a.n, worst: a.worst.v, n: a.n, cite: { table: r.table, id: a.worst.id, at: a.worst.t } };
      values.set(k, slot);
    }
  }
  const events: TimelineEvent[] = [];
  for (const s of d.incident.signals) {
    const cite = { table: 'signal_metadata', id: s.id, at: s.startS };
    events.push({ atS: s.startS, kind: 'signal_opened', text: `signal #${s.id} ${s.type} opened (${s.severity} at worst): ${s.summary.slice(0, 160)}`, cite });
    if (!s.open) events.push({ atS: s.endS, kind: 'signal_resolved', text: `signal #${s.id} ${s.type} resolved`, cite: { ...cite, at: s.endS } });
  }
  if (tableExists(db, 'agent_actions') && d.actions.length) {
    const ids = d.actions.map((a) => a.id);
    const rows = db.prepare(`SELECT id, ts, ref_action_id, action, status, refused_rule, verification_json FROM agent_actions
      WHERE id IN (${ids.map(() => '?').join(',')}) OR ref_action_id IN (${ids.map(() => '?').join(',')}) ORDER BY id`).all(...ids, ...ids) as Array<{
      id: number; ts: number; ref_action_id: number | null; action: string; status: string; refused_rule: string | null; verification_json: string | null }>;
    for (const r of rows) {
      const v = parseJson<{ verdict?: string; detail?: string } | null>(r.verification_json ?? 'null', null);
      const of = r.ref_action_id ?? r.id;
      events.push({
        atS: r.ts, kind: 'action', cite: { table: 'agent_actions', id: r.id, at: r.ts },
        text: `decision #${of} ${r.action}: ${r.status}${r.refused_rule ? ` (${r.refused_rule})` : ''}${v?.verdict ? `, verdict ${v.verdict}${v.detail ? `: ${v.detail.slice(0, 160)}` : ''}` : ''}`,
      });
    }
  }
  events.sort((a, b) => a.atS - b.atS);
  const minutes: TimelineMinute[] = [];
  for (let t = from; t < until; t += 60) {
    minutes.push({ atS: t, values: values.get(t) ?? {}, events: events.filter((e) => minute(e.atS) === t) });
  }
  return { minutes, truncated: until < lastAction + 60 };
}
