// The rules answer to a question about a time window ("at 18:22", "in the last
// hour", --since/--until): from the rows recorded then (lib/read-model/
// window-report.ts), never from the current state. It states the window first,
// says so when there is no data for it, and cites every number to its row.
import { mib, num } from '../../lib/format.js';
import { rowRef, type Cite } from '../../lib/read-model/history.js';
import { windowReport, type WindowReport } from '../../lib/read-model/window-report.js';
import { escapeUntrusted } from '../../lib/sanitize.js';
import { isoLocal } from '../../lib/time.js';
import { describeWindow, type TimeWindow } from '../../lib/time-window.js';
import type { ToolContext } from '../tools/types.js';
import type { Intent } from './intents.js';
import { signalLine } from './lines.js';

const row = (c: Cite) => `[${rowRef(c)}]`;
const at = (t: number) => isoLocal(t).slice(11, 19);

function memoryLines(r: WindowReport): string[] {
  const p = r.processes.memory;
  if (p.length === 0) return ['No process_metrics rows in the window: no process ranking recorded then.'];
  const mem = r.metrics.find((m) => m.metric === 'memory.available_kb');
  return [
    `Largest processes by peak RSS in the window (process_metrics, the scraper's top lists):`,
    ...p.map((x, i) => `${i + 1}. ${escapeUntrusted(x.comm, 32)} (pid ${x.pid}): peak RSS ${mib(x.peak_rss_kb)} at ${at(x.peak.at)} ${row(x.peak)}, seen ${isoLocal(x.firstS)} .. ${isoLocal(x.lastS)}`),
    ...(mem?.peak ? [`Memory available was lowest at ${mib(mem.peak.value)} (${at(mem.peak.at)}) ${row(mem.peak)}${mem.baseline ? `; its long-run mean is ${mib(mem.baseline.mean)}` : ''}.`] : []),
  ];
}

function cpuLines(r: WindowReport): string[] {
  const p = r.processes.cpu;
  if (p.length === 0) return ['No process_metrics rows in the window.'];
  const busy = r.metrics.find((m) => m.metric === 'cpu.busy_pct');
  return [
    'Top CPU users in the window (summed over the recorded samples; 100% = one full CPU):',
    ...p.map((x, i) => `${i + 1}. ${escapeUntrusted(x.comm, 32)} (pid ${x.pid}): avg ${num(x.avg_cpu_pct)}%, max ${num(x.max_cpu_pct)}% over ${x.samples} samples ${row(x.peak)}`),
    ...(busy?.peak ? [`CPU busy peaked at ${num(busy.peak.value)}% (${at(busy.peak.at)}) ${row(busy.peak)}, avg ${num(busy.avg)}%${busy.baseline ? `, long-run mean ${num(busy.baseline.mean)}%` : ''}.`] : []),
  ];
}

function ioLines(r: WindowReport): string[] {
  const out: string[] = [];
  const ioSignals = r.signals.filter((s) => ['io_congestion', 'block_device_saturation', 'blocking_io', 'file_system'].includes(s.signal_type));
  out.push(ioSignals.length ? `I/O signals in the window:` : 'No I/O signal was open in the window.');
  out.push(...ioSignals.slice(0, 6).map(signalLine));
  for (const l of r.latency.slice(0, 4)) out.push(`${l.dev} ${l.op}: p99 latency up to ${num(l.max_p99_us / 1000)} ms at ${at(l.peak.at)} ${row(l.peak)} (avg p99 ${num(l.avg_p99_us / 1000)} ms over ${l.intervals} intervals, ${l.requests} requests)`);
  for (const m of r.metrics.filter((x) => x.metric.startsWith('block.') && x.peak)) out.push(`${m.metric} peaked at ${num(m.peak!.value)} (${at(m.peak!.at)}) ${row(m.peak!)}${m.baseline ? `, long-run mean ${num(m.baseline.mean)}` : ''}`);
  const io = r.processes.io;
  if (io.length) out.push(`Top I/O requester: ${escapeUntrusted(io[0]!.comm, 32)} (pid ${io[0]!.pid}) on ${io[0]!.dev}, the busiest requester in ${io[0]!.intervals} tracer interval(s) ${row(io[0]!.peak)}`
    + (io.length > 1 ? `; then ${io.slice(1, 3).map((x) => `${escapeUntrusted(x.comm, 32)} (pid ${x.pid}, ${x.intervals})`).join(', ')}` : ''));
  else out.push('No I/O tracer rows name a requester in the window (io_latency_stats).');
  const psi = r.metrics.find((m) => m.metric === 'psi.io.some_avg10');
  if (psi?.peak) out.push(`I/O stall (PSI some, 10 s avg) peaked at ${num(psi.peak.value)}% (${at(psi.peak.at)}) ${row(psi.peak)}.`);
  return out;
}

function signalsAndActions(r: WindowReport): string[] {
  const out: string[] = [];
  out.push(r.signals.length ? `Signals active in the window (${r.signals.length}):` : 'No signal was active in the window.');
  out.push(...r.signals.slice(0, 10).map(signalLine));
  if (r.incidents.length) out.push(`Incidents: ${r.incidents.map((i) => `${i.id} (${i.resources.join('+')}, ${i.maxSeverity}, ${at(i.startS)}-${i.open ? 'open' : at(i.endS)})`).join('; ')}; npm run incidents -- --show ID for the timeline.`);
  out.push(r.decisions.length
    ? `Agent decisions in the window: ${r.decisions.map((d) => `#${d.id} ${d.action} ${d.latest_status} at ${at(d.ts)} [agent_actions#${d.id}]`).join('; ')}.`
    : 'The agent made no decision in the window.');
  return out;
}

export function answerAboutWindow(ctx: ToolContext, w: TimeWindow, intents: readonly Intent[]): string {
  const r = windowReport(ctx.db, w, ctx.nowS());
  const head = `Window: ${describeWindow(w)}.`;
  if (r.coverage.status === 'missing') {
    const kept = r.coverage.oldestS !== null ? ` Data kept: ${isoLocal(r.coverage.oldestS)} .. ${isoLocal(r.coverage.newestS!)}.` : '';
    return `${head}\nNo data for this window: ${r.coverage.reason}.${kept} I am not answering from the current state instead.`;
  }
  const parts = [head];
  if (r.coverage.status === 'partial') parts.push(`(Only part of the window has data: ${r.coverage.reason}.)`);
  const want = new Set(intents);
  if (want.has('memory')) parts.push(memoryLines(r).join('\n'));
  if (want.has('cpu') || (want.has('processes') && !want.has('memory'))) parts.push(cpuLines(r).join('\n'));
  if (want.has('disk') || want.has('slow')) parts.push(ioLines(r).join('\n'));
  if (want.has('processes') && !want.has('memory')) parts.push(memoryLines(r).join('\n'));
  parts.push(signalsAndActions(r).join('\n'));
  if (want.size === 0 || (!want.has('memory') && !want.has('cpu') && !want.has('disk') && !want.has('slow') && !want.has('processes'))) {
    const peaks = r.metrics.filter((m) => m.peak).slice(0, 8).map((m) => `${m.metric} ${m.worst} ${m.metric.endsWith('_kb') ? mib(m.peak!.value) : num(m.peak!.value)} at ${at(m.peak!.at)} ${row(m.peak!)}`);
    if (peaks.length) parts.push(`Worst samples in the window: ${peaks.join('; ')}.`);
  }
  return parts.join('\n\n');
}
