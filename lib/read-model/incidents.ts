// Incidents: signals that overlap in time and share a resource or an entity,
// grouped into one story with a start, a peak and an end. The list is computed
// from signal_metadata; the detail (processes with their peaks from history,
// metric peaks, the agent's actions and verdicts, a short summary with every
// number cited to its row) is computed from the raw rows while they exist, and
// read from the incidents table that ingest fills when an incident ends, once
// they are pruned. Chat, `npm run incidents`, and later the dashboard and MCP
// read incidents only through here.
import { tableExists, type Db } from '../db.js';
import { rank, SEVERITIES, type Severity } from '../severity.js';
import { resourceOf, type Resource } from '../signal-resource.js';
import type { TimeWindow } from '../time-window.js';
import { mib, num } from '../format.js';
import { decisionsIn, latestVerification, type Decision } from './decisions.js';
import { coverage, deviceLatencyIn, groupsIn, metricIn, processesIn, rowRef, type Cite, type DeviceLatency, type MetricInWindow, type WindowHistory } from './history.js';
import { parseJson } from './json.js';
import { signalById, signalsIn, type SignalRecord } from './signals.js';

/** Signals within this many seconds of each other count as overlapping. */
export const INCIDENT_SLACK_S = 60;
/** Decisions citing an incident's signals are looked for up to this long after it ended. */
const ACTION_LAG_S = 3600;
/** How far back the list looks by default: the signals' own retention. */
const DEFAULT_LOOKBACK_S = 7 * 86400;

export interface IncidentSignal {
  readonly id: number;
  readonly type: string;
  readonly severity: string;
  readonly resource: Resource;
  readonly entity: string | null;
  /** The process its evidence names first (context top_rss, top_io, ...): its likely cause. */
  readonly cause: string | null;
  readonly startS: number;
  readonly endS: number;
  readonly open: boolean;
  readonly summary: string;
}

export interface Incident {
  readonly id: string;
  readonly startS: number;
  /** The last moment any of its signals was seen (now, for an open one). */
  readonly endS: number;
  readonly open: boolean;
  readonly maxSeverity: string;
  readonly resources: readonly Resource[];
  /** The most severe signal, the highest pressure first. */
  readonly peak: { readonly signalId: number; readonly severity: string; readonly atS: number };
  readonly signals: readonly IncidentSignal[];
  /** Read back from the incidents table: its signals are pruned. */
  readonly stored?: boolean;
}

export interface ActionInIncident {
  readonly id: number;
  readonly atS: number;
  readonly action: string;
  readonly target: string | null;
  readonly decidedBy: string;
  readonly status: string;
  readonly verdict: string | null;
  readonly effect: string | null;
}

export interface IncidentDetail extends WindowHistory {
  readonly incident: Incident;
  readonly actions: readonly ActionInIncident[];
  /** What happened, why, what was done, did it help: sentences whose numbers cite rows as [table#id]. */
  readonly summary: { readonly what: string; readonly why: string; readonly done: string; readonly helped: string };
}

const sevRank = (s: string) => rank(SEVERITIES.includes(s as Severity) ? (s as Severity) : 'none');

/** The first process of the first top_* list in a signal's context, as "process:<pid>:<start_time>". */
function causeOf(contextJson: string): string | null {
  const ctx = parseJson<Record<string, unknown>>(contextJson, {});
  for (const [k, v] of Object.entries(ctx && typeof ctx === 'object' ? ctx : {})) {
    if (!k.startsWith('top_') || !Array.isArray(v)) continue;
    const p = v[0] as { pid?: unknown; start_time?: unknown } | undefined;
    if (p && typeof p.pid === 'number' && typeof p.start_time === 'number') return `process:${p.pid}:${p.start_time}`;
  }
  return null;
}

function toIncidentSignal(s: SignalRecord): IncidentSignal {
  return {
    id: s.signal_id, type: s.signal_type, severity: s.max_severity, resource: resourceOf(s.signal_type),
    entity: s.entity_type && s.entity_type !== 'system' && s.entity_id ? `${s.entity_type}:${s.entity_id}` : null,
    cause: causeOf(s.context_json),
    startS: s.first_seen, endS: s.resolved_at ?? s.last_seen, open: s.status === 'open', summary: s.summary,
  };
}

/** Same resource, or the same process: as the entity of one and the named cause of the other, or of both. */
function related(a: IncidentSignal, b: IncidentSignal): boolean {
  if (a.resource === b.resource && a.resource !== 'other') return true;
  const ea = [a.entity, a.cause].filter((x): x is string => x !== null);
  return [b.entity, b.cause].some((x) => x !== null && ea.includes(x));
}

/**
 * Group symptom signals: two belong together when their active spans overlap
 * (within `slackS`) and they concern the same resource or the same process (a
 * runaway process and the memory pressure whose top RSS it is). The groups are
 * the connected sets of that relation.
 */
export function groupIncidents(records: readonly SignalRecord[], slackS = INCIDENT_SLACK_S): Incident[] {
  const sigs = records.filter((r) => r.signal_category === 'symptom' && sevRank(r.max_severity) > 0).map(toIncidentSignal)
    .sort((a, b) => a.startS - b.startS || a.id - b.id);
  const parent = sigs.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < sigs.length; i++) {
    for (let j = i + 1; j < sigs.length && sigs[j]!.startS <= sigs[i]!.endS + slackS; j++) {
      if (related(sigs[i]!, sigs[j]!)) parent[find(j)] = find(i);
    }
  }
  const groups = new Map<number, IncidentSignal[]>();
  sigs.forEach((s, i) => { const r = find(i); groups.set(r, [...(groups.get(r) ?? []), s]); });
  return [...groups.values()].map(toIncident).sort((a, b) => a.startS - b.startS);
}

function toIncident(sigs: IncidentSignal[]): Incident {
  const peak = [...sigs].sort((a, b) => sevRank(b.severity) - sevRank(a.severity) || a.startS - b.startS)[0]!;
  return {
    id: `I${Math.min(...sigs.map((s) => s.id))}`,
    startS: Math.min(...sigs.map((s) => s.startS)),
    endS: Math.max(...sigs.map((s) => s.endS)),
    open: sigs.some((s) => s.open),
    maxSeverity: peak.severity,
    resources: [...new Set(sigs.map((s) => s.resource))],
    peak: { signalId: peak.id, severity: peak.severity, atS: peak.startS },
    signals: sigs,
  };
}

interface StoredRow { id: string; detail_json: string }

function storedDetails(db: Db, w: TimeWindow): IncidentDetail[] {
  if (!tableExists(db, 'incidents')) return [];
  return (db.prepare('SELECT id, detail_json FROM incidents WHERE start_s <= ? AND end_s >= ? ORDER BY start_s').all(w.toS, w.fromS) as StoredRow[])
    .map((r) => parseJson<IncidentDetail | null>(r.detail_json, null)).filter((d): d is IncidentDetail => d !== null);
}

function storedDetail(db: Db, id: string): IncidentDetail | undefined {
  if (!tableExists(db, 'incidents')) return undefined;
  const r = db.prepare('SELECT detail_json FROM incidents WHERE id = ?').get(id) as { detail_json: string } | undefined;
  return r ? parseJson<IncidentDetail | null>(r.detail_json, null) ?? undefined : undefined;
}

/** Incidents that touch the window (default: the last 7 days), oldest first: from signals, plus stored ones whose signals are gone. */
export function listIncidents(db: Db, w?: TimeWindow, nowS = Date.now() / 1000): Incident[] {
  const win = w ?? { fromS: nowS - DEFAULT_LOOKBACK_S, toS: nowS, source: 'the last 7 days' };
  // Signals that started a little before the window still belong to incidents in it.
  const live = groupIncidents(signalsIn(db, { fromS: win.fromS - INCIDENT_SLACK_S, toS: win.toS }, 20_000))
    .filter((i) => i.startS <= win.toS && i.endS >= win.fromS);
  const ids = new Set(live.map((i) => i.id));
  const stored = storedDetails(db, win).filter((d) => !ids.has(d.incident.id)).map((d) => ({ ...d.incident, stored: true }));
  return [...live, ...stored].sort((a, b) => a.startS - b.startS);
}

/** The metrics that tell each resource's story; `min` where low is bad. */
function storyMetrics(db: Db, inc: Incident, w: TimeWindow, devices: readonly string[]): MetricInWindow[] {
  const want: Array<[string, 'max' | 'min']> = [];
  for (const r of inc.resources) {
    if (r === 'memory') want.push(['memory.available_kb', 'min'], ['psi.memory.some_avg10', 'max'], ['vmstat.pgmajfault_per_s', 'max']);
    if (r === 'cpu') want.push(['cpu.busy_pct', 'max'], ['psi.cpu.some_avg10', 'max'], ['load.load1_per_cpu', 'max']);
    if (r === 'io') want.push(['psi.io.some_avg10', 'max'], ...devices.flatMap((d) => [[`block.${d}.await_ms`, 'max'], [`block.${d}.util_pct`, 'max']] as Array<[string, 'max']>));
    if (r === 'network') want.push(['tcp.retrans_per_s', 'max'], ['tcp.time_wait', 'max']);
  }
  return want.flatMap(([m, worst]) => { try { return [metricIn(db, m, w, worst)]; } catch { return []; } }).filter((m) => m.n > 0);
}

function actionsOf(db: Db, inc: Incident, w: TimeWindow): ActionInIncident[] {
  const mine = new Set(inc.signals.map((s) => s.id));
  // A decision about its signals may come a little after they resolved (the agent's cycle).
  return decisionsIn(db, { fromS: w.fromS, toS: w.toS + ACTION_LAG_S }).filter((d) => parseJson<number[]>(d.signal_ids, []).some((id) => mine.has(id)) || (d.ts >= inc.startS && d.ts <= inc.endS))
    .map((d: Decision) => {
      const v = latestVerification(db, d);
      return {
        id: d.id, atS: d.ts, action: d.action, target: d.target_pid !== null ? `pid ${d.target_pid} ${d.target_comm ?? ''}`.trim() : d.target_ref,
        decidedBy: d.decided_by, status: d.latest_status,
        verdict: v && typeof v.verdict === 'string' ? v.verdict : null,
        effect: v && typeof v.detail === 'string' ? v.detail.slice(0, 300) : null,
      };
    });
}

const cite = (c: Cite) => `[${rowRef(c)}]`;
const ms = (us: number) => `${Math.round(us / 100) / 10} ms`;
const fmt = (x: number) => (Math.abs(x) >= 100 ? String(Math.round(x)) : num(x));

function summarize(inc: Incident, p: IncidentDetail['processes'], metrics: readonly MetricInWindow[], latency: readonly DeviceLatency[], actions: readonly ActionInIncident[]): IncidentDetail['summary'] {
  const first = inc.signals[0]!;
  const peakSig = inc.signals.find((s) => s.id === inc.peak.signalId) ?? first;
  const what = `${inc.resources.join(' + ')} incident: ${inc.signals.length} signal(s) (${[...new Set(inc.signals.map((s) => s.type))].join(', ')}), `
    + `the worst ${peakSig.severity} [signal #${peakSig.id}]: ${peakSig.summary}`;
  const why: string[] = [];
  if (inc.resources.includes('memory') && p.memory[0]) why.push(`largest memory user ${p.memory[0].comm} (pid ${p.memory[0].pid}), peak RSS ${mib(p.memory[0].peak_rss_kb)} ${cite(p.memory[0].peak)}`);
  if (inc.resources.includes('io') && p.io[0]) why.push(`top I/O requester ${p.io[0].comm} (pid ${p.io[0].pid}) on ${p.io[0].dev} in ${p.io[0].intervals} interval(s) ${cite(p.io[0].peak)}`);
  if (inc.resources.includes('cpu') && p.cpu[0]) why.push(`top CPU user ${p.cpu[0].comm} (pid ${p.cpu[0].pid}), up to ${fmt(p.cpu[0].max_cpu_pct)}% of one CPU ${cite(p.cpu[0].peak)}`);
  for (const m of metrics.slice(0, 4)) if (m.peak) why.push(`${m.metric} ${m.peak.table === 'memory_metrics' && m.metric.endsWith('_kb') ? mib(m.peak.value) : fmt(m.peak.value)} at worst ${cite(m.peak)}${m.baseline ? ` (baseline ${fmt(m.baseline.mean)})` : ''}`);
  // The direction that carried the load (a handful of flushes can have the worst p99 and say little).
  const busiest = [...latency].sort((a, b) => b.requests - a.requests)[0];
  if (busiest) why.push(`${busiest.dev} ${busiest.op} p99 up to ${ms(busiest.max_p99_us)} over ${busiest.requests} requests ${cite(busiest.peak)}`);
  const done = actions.length
    ? actions.map((a) => `#${a.id} ${a.action}${a.target ? ` on ${a.target}` : ''} by ${a.decidedBy}: ${a.status}`).join('; ')
    : 'the agent took no action';
  const judged = actions.filter((a) => a.verdict);
  const helped = judged.length
    ? judged.map((a) => `#${a.id} ${a.verdict}${a.effect ? ` (${a.effect.slice(0, 160)})` : ''}`).join('; ')
    : actions.length ? 'no verdict recorded' : 'nothing to judge';
  return { what, why: why.join('; ') || 'no process or metric rows in the window', done, helped };
}

/** The full story of one incident from the rows (coverage says when they are gone). */
export function incidentDetail(db: Db, inc: Incident, nowS: number): IncidentDetail {
  const w: TimeWindow = { fromS: inc.startS, toS: inc.open ? nowS : inc.endS, source: `incident ${inc.id}` };
  const processes = processesIn(db, w, 3);
  const metrics = storyMetrics(db, inc, w, groupsIn(db, 'block_stats', 'dev', w));
  const latency = deviceLatencyIn(db, w);
  const actions = actionsOf(db, inc, w);
  return { incident: inc, window: w, coverage: coverage(db, w, nowS), processes, metrics, latency, actions, summary: summarize(inc, processes, metrics, latency, actions) };
}

/** One incident by id ("I12" or "12"): computed while its rows exist, else its stored summary. */
export function incidentById(db: Db, id: string, nowS = Date.now() / 1000): IncidentDetail | undefined {
  const key = /^i?\d+$/i.test(id.trim()) ? `I${id.trim().replace(/^i/i, '')}` : id.trim();
  const stored = storedDetail(db, key);
  const first = Number(key.slice(1));
  const anchor = Number.isSafeInteger(first) ? signalById(db, first) : undefined;
  if (anchor) {
    const around = signalsIn(db, { fromS: anchor.first_seen - 7 * 86400, toS: nowS }, 20_000);
    const inc = groupIncidents(around).find((i) => i.id === key);
    if (inc) {
      const live = incidentDetail(db, inc, nowS);
      // Raw rows pruned since it was stored: the stored story is the better one.
      return live.coverage.status === 'missing' && stored ? { ...stored, incident: { ...stored.incident, stored: true } } : live;
    }
  }
  return stored ? { ...stored, incident: { ...stored.incident, stored: true } } : undefined;
}

/** Incidents in the window that have ended (all signals resolved, past the slack) and are not only stored: what ingest records. */
export function endedIncidents(db: Db, sinceS: number, nowS = Date.now() / 1000): Incident[] {
  return listIncidents(db, { fromS: sinceS, toS: nowS, source: '' }, nowS).filter((i) => !i.open && !i.stored && i.endS < nowS - INCIDENT_SLACK_S);
}
