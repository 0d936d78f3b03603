// What each dashboard page shows, as JSON built from the read model. One function
// per page; the routes (web/app.ts) only parse parameters and serialise.
import { lookupAction } from '../agent/actions/catalogue.js';
import type { ChainStatus } from '../agent/executor/port.js';
import type { Db } from '../lib/db.js';
import { decisionHistory, decisions, lastCycle, latestVerification, pendingApprovals, type Decision } from '../lib/read-model/decisions.js';
import { processesIn } from '../lib/read-model/history.js';
import { incidentById, listIncidents } from '../lib/read-model/incidents.js';
import { parseJson } from '../lib/read-model/json.js';
import { columnsOf, type RawTable } from '../lib/read-model/metrics.js';
import { evidenceOf, openSignals, relatedSignals, signalById, type SignalRecord } from '../lib/read-model/signals.js';
import { statusFigures } from '../lib/read-model/status.js';
import { incidentTimeline } from '../lib/read-model/timeline.js';
import { resourceOf, type Resource } from '../lib/signal-resource.js';
import { runningSupervisor } from '../lib/supervisor-state.js';
import { ago } from '../lib/time.js';
import { tableExists } from '../lib/db.js';

export const RANGES = { '15m': 900, '1h': 3600, '24h': 86_400 } as const;
export type RangeName = keyof typeof RANGES;

const signalBrief = (s: SignalRecord) => ({
  id: s.signal_id, type: s.signal_type, severity: s.severity, maxSeverity: s.max_severity, summary: s.summary,
  entity: s.entity_name ?? s.entity_id, firstSeen: s.first_seen, lastSeen: s.last_seen, status: s.status, resolvedAt: s.resolved_at,
});

const decisionBrief = (d: Decision) => ({
  id: d.id, ts: d.ts, action: d.action, target: d.target_comm, targetPid: d.target_pid, status: d.latest_status,
  decidedBy: d.decided_by, confidence: d.confidence, justification: d.justification,
});

export function overview(db: Db, dbFile: string, nowS: number) {
  const sup = runningSupervisor(dbFile);
  const open = openSignals(db, { limit: 50 });
  const worst = open[0]?.severity ?? 'none';
  return {
    now: nowS,
    health: open.length === 0 ? 'healthy' : worst,
    figures: (({ lastAction: _, ...f }) => f)(statusFigures(db)),
    openSignals: open.map(signalBrief),
    lastCycle: lastCycle(db) ?? null,
    pending: pendingApprovals(db).map(decisionBrief),
    recentActions: decisions(db, 10).filter((d) => d.status !== 'refused').map(decisionBrief),
    producers: sup ? sup.components.map((c) => ({ name: c.name, role: c.role, state: c.state, restarts: c.restarts, upSince: c.upSince ?? null, reason: c.reason ?? null })) : null,
  };
}

/** The raw tables a signal's resource is read from. */
const TABLES: Record<Resource, readonly RawTable[]> = {
  cpu: ['cpu_metrics', 'load_metrics', 'psi_metrics'],
  memory: ['memory_metrics', 'psi_metrics', 'vmstat_metrics'],
  io: ['block_stats', 'psi_metrics'],
  network: ['network_interface_stats', 'tcp_stats'],
  other: [],
};

/** The rows behind a signal: the newest samples of its resource's tables while it was seen. */
function rowsBehind(db: Db, s: SignalRecord, limit = 8): Array<{ table: string; rows: Array<Record<string, unknown>> }> {
  const to = s.resolved_at ?? s.last_seen;
  return TABLES[resourceOf(s.signal_type)].filter((t) => tableExists(db, t)).map((table) => {
    const cols = ['id', 'timestamp', ...columnsOf(db, table).filter((c) => c !== 'id' && c !== 'timestamp')].slice(0, 14);
    const rows = db.prepare(`SELECT ${cols.join(', ')} FROM ${table} WHERE timestamp >= ? AND timestamp <= ? ORDER BY timestamp DESC LIMIT ?`)
      .all(s.first_seen, to, limit) as Array<Record<string, unknown>>;
    return { table, rows };
  });
}

export function signalPage(db: Db, id: number, nowS: number) {
  const s = signalById(db, id);
  if (!s) return undefined;
  const end = s.resolved_at ?? (s.status === 'open' ? nowS : s.last_seen);
  const pad = Math.max(120, (end - s.first_seen) * 0.5);
  return {
    signal: { ...signalBrief(s), scope: s.scope, label: s.semantic_label, pressure: s.pressure_score, occurrences: s.occurrence_count },
    evidence: evidenceOf(s),
    context: parseJson<Record<string, unknown>>(s.context_json, {}),
    rows: rowsBehind(db, s),
    related: relatedSignals(db, s, 60).map(signalBrief),
    window: { fromS: s.first_seen - pad, toS: Math.min(nowS, end + pad) },
  };
}

export function actionPage(db: Db, id: number, chain: ChainStatus) {
  const history = decisionHistory(db, id);
  const d = history[0];
  if (!d || d.ref_action_id !== null) return undefined;
  const handler = lookupAction(d.action);
  const latest = [...history].reverse().find((r) => r.status !== 'refused') ?? d;
  return {
    decision: {
      id: d.id, ts: d.ts, action: d.action, params: parseJson<Record<string, unknown>>(d.params_json, {}), target: d.target_comm, targetPid: d.target_pid,
      decidedBy: d.decided_by, model: d.model, confidence: d.confidence, justification: d.justification, expectedEffect: d.expected_effect,
      signalIds: parseJson<number[]>(d.signal_ids, []), status: latest.status, refusedRule: d.refused_rule, note: d.note,
    },
    mechanism: {
      claims: handler?.spec.mechanism ?? null,
      condition: handler?.spec.condition ?? null,
      // The executor refuses an action whose mechanism does nothing here (rule mechanism_*); the rules' EXPLAIN lines say which.
      refused: history.find((r) => r.status === 'refused' && (r.refused_rule ?? '').startsWith('mechanism'))?.note ?? null,
      explained: (d.justification ?? '').split('\n').filter((l) => /mechanism/i.test(l)),
    },
    verification: latestVerification(db, d),
    history: history.map((r) => ({ id: r.id, ts: r.ts, status: r.status, rule: r.refused_rule, note: r.note, decidedBy: r.decided_by })),
    chain,
  };
}

export function processesPage(db: Db, window: { readonly fromS: number; readonly toS: number }) {
  const w = { ...window, source: `last ${ago(window.toS - window.fromS)}` };
  const top = processesIn(db, w, 10);
  // What the agent did to each process, by its identity (pid and start time).
  const acted = decisions(db, 200).filter((d) => d.target_pid !== null && d.status !== 'refused');
  const actionsOf = (pid: number, startTime: number | null) => acted
    .filter((d) => d.target_pid === pid && (startTime === null || d.target_start_time === null || d.target_start_time === startTime))
    .map((d) => ({ id: d.id, action: d.action, status: d.latest_status, ts: d.ts }));
  const withActions = <T extends { pid: number; start_time?: number }>(rows: readonly T[]) => rows.map((r) => ({ ...r, actions: actionsOf(r.pid, r.start_time ?? null) }));
  return { window: w, cpu: withActions(top.cpu), memory: withActions(top.memory), io: withActions(top.io) };
}

export function incidentsPage(db: Db, nowS: number) {
  return { incidents: listIncidents(db, undefined, nowS).slice(0, 100) };
}

export function incidentPage(db: Db, id: string, nowS: number) {
  const d = incidentById(db, id, nowS);
  if (!d) return undefined;
  const pad = 120;
  return { detail: d, timeline: incidentTimeline(db, d), window: { fromS: d.incident.startS - pad, toS: Math.min(nowS, d.incident.endS + pad) } };
}
