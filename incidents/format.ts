// Incidents as text: the list, and one incident's story and minute-by-minute
// timeline. Every number is printed with the row it came from ([table#id]);
// strings copied from the host (process names, summaries) are escaped.
import { num } from '../lib/format.js';
import { rowRef, type Cite } from '../lib/read-model/history.js';
import type { Incident, IncidentDetail } from '../lib/read-model/incidents.js';
import type { TimelineMinute } from '../lib/read-model/timeline.js';
import { escapeUntrusted } from '../lib/sanitize.js';
import { ago, isoLocal } from '../lib/time.js';

const cite = (c: Cite) => `[${rowRef(c)}]`;
const n = (x: number) => (Math.abs(x) >= 100 ? String(Math.round(x)) : num(x));
const hhmm = (t: number) => isoLocal(t).slice(11, 16);

/** A metric's value in the unit a person reads (KiB as MiB). */
function value(metric: string, v: number): string {
  return metric.endsWith('_kb') ? `${Math.round(v / 1024)} MiB` : n(v);
}

export function incidentList(list: readonly Incident[], windowText: string): string {
  if (list.length === 0) return `No incidents in ${windowText}.`;
  const head = `${'ID'.padEnd(8)} ${'START'.padEnd(25)} ${'DURATION'.padEnd(9)} ${'SEVERITY'.padEnd(9)} ${'RESOURCES'.padEnd(16)} SIGNALS`;
  const rows = list.map((i) => `${i.id.padEnd(8)} ${isoLocal(i.startS).padEnd(25)} ${(i.open ? 'open' : ago(i.endS - i.startS)).padEnd(9)} ${i.maxSeverity.padEnd(9)} ${i.resources.join(',').padEnd(16)} `
    + `${i.stored ? '(stored summary; signals pruned)' : [...new Set(i.signals.map((s) => s.type))].map((t) => `${t} x${i.signals.filter((s) => s.type === t).length}`).join(', ')}`);
  return [`Incidents in ${windowText}:`, head, ...rows, '', 'npm run incidents -- --show ID prints one with its timeline.'].join('\n');
}

export function incidentStory(d: IncidentDetail): string {
  const i = d.incident;
  const out: string[] = [];
  out.push(`Incident ${i.id}: ${i.resources.join(' + ')}, ${i.maxSeverity} at worst, ${isoLocal(i.startS)} to ${i.open ? 'now (open)' : isoLocal(i.endS)} (${ago(i.endS - i.startS)})`);
  if (i.stored) out.push('(stored summary: the raw rows behind it were pruned by retention, so no timeline)');
  else if (d.coverage.status !== 'ok') out.push(`(data ${d.coverage.status}: ${d.coverage.reason})`);
  out.push('', `What happened: ${escapeUntrusted(d.summary.what, 600)}`, `Why: ${escapeUntrusted(d.summary.why, 900)}`,
    `What was done: ${escapeUntrusted(d.summary.done, 600)}`, `Did it help: ${escapeUntrusted(d.summary.helped, 600)}`);
  out.push('', 'Signals:');
  for (const s of i.signals) out.push(`  #${s.id} ${s.type} ${s.severity} ${hhmm(s.startS)}-${s.open ? 'open' : hhmm(s.endS)} [signal_metadata#${s.id}]: ${escapeUntrusted(s.summary, 200)}`);
  const p = d.processes;
  if (p.memory.length + p.cpu.length + p.io.length) out.push('', 'Processes (from the recorded history):');
  for (const x of p.memory) out.push(`  memory: ${escapeUntrusted(x.comm, 32)} pid ${x.pid}, peak RSS ${Math.round(x.peak_rss_kb / 1024)} MiB at ${hhmm(x.peak.at)} ${cite(x.peak)}`);
  for (const x of p.cpu) out.push(`  cpu: ${escapeUntrusted(x.comm, 32)} pid ${x.pid}, avg ${n(x.avg_cpu_pct)}% max ${n(x.max_cpu_pct)}% of one CPU over ${x.samples} samples ${cite(x.peak)}`);
  for (const x of p.io) out.push(`  io: ${escapeUntrusted(x.comm, 32)} pid ${x.pid} top requester on ${x.dev} in ${x.intervals} interval(s), ${x.requests} requests, p99 up to ${n(x.max_p99_us / 1000)} ms ${cite(x.peak)}`);
  if (d.metrics.length) out.push('', 'Metrics (worst in the incident; baseline = long-run mean):');
  for (const m of d.metrics) if (m.peak) out.push(`  ${m.metric}: ${m.worst} ${value(m.metric, m.peak.value)} at ${hhmm(m.peak.at)} ${cite(m.peak)}, avg ${value(m.metric, m.avg ?? 0)} over ${m.n} samples${m.baseline ? `, baseline ${value(m.metric, m.baseline.mean)}` : ''}`);
  for (const l of d.latency) out.push(`  ${l.dev} ${l.op} latency: p99 up to ${n(l.max_p99_us / 1000)} ms at ${hhmm(l.peak.at)} ${cite(l.peak)}, ${l.requests} requests`);
  if (d.actions.length) out.push('', 'Agent actions:');
  for (const a of d.actions) out.push(`  #${a.id} ${isoLocal(a.atS)} ${a.action}${a.target ? ` on ${escapeUntrusted(a.target, 40)}` : ''} by ${a.decidedBy}: ${a.status}${a.verdict ? `, verdict ${a.verdict}` : ''} [agent_actions#${a.id}]`);
  return out.join('\n');
}

export function timelineText(minutes: readonly TimelineMinute[], truncated: boolean): string {
  const out = ['Timeline (per minute: each metric\'s worst sample, then what happened):'];
  for (const m of minutes) {
    const vals = Object.entries(m.values).map(([k, v]) => `${k} ${value(k, v.worst)} ${cite(v.cite)}`);
    if (vals.length === 0 && m.events.length === 0) continue;
    out.push(`  ${hhmm(m.atS)}  ${vals.join('  ') || '(no samples)'}`);
    for (const e of m.events) out.push(`         ${isoLocal(e.atS).slice(11, 19)} ${escapeUntrusted(e.text, 300)} ${cite(e.cite)}`);
  }
  if (truncated) out.push('  (cut: the timeline shows the first 6 hours)');
  return out.join('\n');
}
