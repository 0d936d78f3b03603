// history_window and incidents: questions about the past, answered from the rows
// recorded then (lib/read-model/window-report.ts, incidents.ts), never from now.
// Times go out as ISO local times; every number keeps the row it came from.
import { listIncidents, incidentById } from '../../lib/read-model/incidents.js';
import { rowRef as cite } from '../../lib/read-model/history.js';
import { windowReport } from '../../lib/read-model/window-report.js';
import { quoteUntrusted } from '../../lib/sanitize.js';
import { isoLocal } from '../../lib/time.js';
import { parseTimeArg, type TimeWindow } from '../../lib/time-window.js';
import { r2 } from './round.js';
import { strArg, ToolArgError, type ChatTool, type ToolArgs, type ToolContext } from './types.js';

const TIME = 'local time: ISO (2026-12-01T14:00), HH:MM, "yesterday 14:00", or relative (1h, 30m, "2 hours ago")';

function windowArgs(ctx: ToolContext, args: ToolArgs, dfltS: number): TimeWindow {
  const now = ctx.nowS();
  try {
    const until = strArg(args, 'until', 60);
    const since = strArg(args, 'since', 60);
    const toS = until === undefined ? now : parseTimeArg(until, now);
    const fromS = since === undefined ? toS - dfltS : parseTimeArg(since, now);
    if (!(fromS < toS)) throw new ToolArgError(`since must be before until (got ${since ?? 'default'} .. ${until ?? 'now'})`);
    return { fromS, toS, source: `since ${since ?? 'default'} until ${until ?? 'now'}` };
  } catch (e) {
    throw e instanceof ToolArgError ? e : new ToolArgError((e as Error).message);
  }
}


export const historyWindow: ChatTool = {
  name: 'history_window',
  description: 'What was recorded in a past time window: whether there is data for it (coverage), top processes by peak RSS, by CPU and by I/O then (from the history, not now), each key metric\'s worst sample and long-run baseline, block latency per device, the signals active, the agent\'s decisions, and the incidents. Each number has its row (table#id).',
  params: {
    since: { type: 'string', description: `start of the window, ${TIME}`, maxLength: 60 },
    until: { type: 'string', description: `end of the window (default now), ${TIME}`, maxLength: 60 },
  },
  required: ['since'],
  async run(ctx, args) {
    const w = windowArgs(ctx, args, 3600);
    const r = windowReport(ctx.db, w, ctx.nowS());
    const base = { window: { from: isoLocal(w.fromS), to: isoLocal(w.toS) }, coverage: { status: r.coverage.status, samples: r.coverage.samples, reason: r.coverage.reason || undefined,
      kept: r.coverage.oldestS !== null ? { from: isoLocal(r.coverage.oldestS), to: isoLocal(r.coverage.newestS!) } : undefined } };
    if (r.coverage.status === 'missing') return { ...base, note: 'no data for this window: say so, do not answer from the current state' };
    const proc = (p: (typeof r.processes.memory)[number]) => ({ pid: p.pid, start_time: p.start_time, comm: quoteUntrusted(p.comm, 32), peak_rss_mb: r2(p.peak_rss_kb / 1024), avg_cpu_pct: r2(p.avg_cpu_pct), max_cpu_pct: r2(p.max_cpu_pct), samples: p.samples, peak_at: isoLocal(p.peak.at), row: cite(p.peak) });
    return {
      ...base,
      top_memory: r.processes.memory.map(proc),
      top_cpu: r.processes.cpu.map(proc),
      top_io: r.processes.io.map((p) => ({ pid: p.pid, comm: quoteUntrusted(p.comm, 32), dev: p.dev, intervals_as_top_requester: p.intervals, device_requests: p.requests, max_p99_ms: r2(p.max_p99_us / 1000), row: cite(p.peak) })),
      metrics: r.metrics.map((m) => ({ metric: m.metric, unit: m.unit, worst_is: m.worst, worst: m.peak ? r2(m.peak.value) : null, worst_at: m.peak ? isoLocal(m.peak.at) : null, row: m.peak ? cite(m.peak) : null, avg: m.avg === null ? null : r2(m.avg), samples: m.n, baseline_mean: m.baseline ? r2(m.baseline.mean) : null })),
      block_latency: r.latency.map((l) => ({ dev: l.dev, op: l.op, max_p99_ms: r2(l.max_p99_us / 1000), at: isoLocal(l.peak.at), row: cite(l.peak), avg_p99_ms: r2(l.avg_p99_us / 1000), requests: l.requests })),
      signals: r.signals.slice(0, 20).map((s) => ({ id: s.signal_id, type: s.signal_type, severity: s.max_severity, from: isoLocal(s.first_seen), to: s.status === 'open' ? 'open' : isoLocal(s.resolved_at ?? s.last_seen), summary: s.summary.slice(0, 240) })),
      decisions: r.decisions.slice(0, 20).map((d) => ({ id: d.id, at: isoLocal(d.ts), action: d.action, status: d.latest_status, decided_by: d.decided_by })),
      incidents: r.incidents.map((i) => ({ id: i.id, from: isoLocal(i.startS), to: i.open ? 'open' : isoLocal(i.endS), severity: i.maxSeverity, resources: i.resources })),
    };
  },
};

export const incidents: ChatTool = {
  name: 'incidents',
  description: 'Incidents (signals that overlapped in time and shared a resource or process, grouped) in a window, or one incident by id with its story: what happened, why (processes and metric peaks with their rows), what the agent did, whether it helped.',
  params: {
    id: { type: 'string', description: 'one incident, e.g. I12 (omit to list)', maxLength: 20 },
    since: { type: 'string', description: `start of the window to list, ${TIME} (default 24 h ago)`, maxLength: 60 },
    until: { type: 'string', description: `end of the window (default now), ${TIME}`, maxLength: 60 },
  },
  async run(ctx, args) {
    const id = strArg(args, 'id', 20);
    if (id !== undefined) {
      const d = incidentById(ctx.db, id, ctx.nowS());
      if (!d) return { id, note: 'no such incident' };
      return { id: d.incident.id, from: isoLocal(d.incident.startS), to: d.incident.open ? 'open' : isoLocal(d.incident.endS), severity: d.incident.maxSeverity,
        resources: d.incident.resources, signals: d.incident.signals.map((s) => ({ id: s.id, type: s.type, severity: s.severity })), summary: d.summary, stored: d.incident.stored ?? false };
    }
    const w = windowArgs(ctx, args, 86400);
    return { window: { from: isoLocal(w.fromS), to: isoLocal(w.toS) }, incidents: listIncidents(ctx.db, w, ctx.nowS()).map((i) => ({
      id: i.id, from: isoLocal(i.startS), to: i.open ? 'open' : isoLocal(i.endS), severity: i.maxSeverity, resources: i.resources, signals: i.signals.length })) };
  },
};
