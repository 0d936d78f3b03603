// Sentences with real numbers, shared by the rules sections. Every value comes
// from a row or a tool result; every time is an ISO local time.
import { escapeUntrusted } from '../../lib/sanitize.js';
import { bytesRate, cite, frac, mib, num, pct } from '../../lib/format.js';
import type { BaselineView } from '../tools/baseline-compare.js';
import type { MetricSummary } from '../tools/metric-history.js';
import type { SignalRecord } from '../../lib/read-model/signals.js';
import { entityText } from '../tools/signal-view.js';
import type { ProcView } from '../tools/top-processes.js';
import { isoLocal } from '../../lib/time.js';
import type { CpuRow, LoadRow, MemRow, PsiRow } from './facts.js';

export function signalLine(r: SignalRecord): string {
  const when = r.status === 'open'
    ? `open since ${isoLocal(r.first_seen)}, last seen ${isoLocal(r.last_seen)}`
    : `${isoLocal(r.first_seen)} .. ${isoLocal(r.resolved_at ?? r.last_seen)}, resolved`;
  return `- ${cite(r.signal_id)} ${r.severity.toUpperCase()} ${r.signal_type} on ${entityText(r)}: ${escapeUntrusted(r.summary, 300)} (${when}; ${r.occurrence_count} observation${r.occurrence_count === 1 ? '' : 's'})`;
}

export function cpuLine(c: CpuRow | undefined, l: LoadRow | undefined): string {
  if (!c && !l) return 'CPU: no cpu_metrics or load_metrics rows yet.';
  const parts: string[] = [];
  if (c) parts.push(`CPU ${pct(c.busy_pct)} busy at ${isoLocal(c.timestamp)} (user ${pct(c.user_pct)}, system ${pct(c.system_pct)}, iowait ${pct(c.iowait_pct)}, steal ${pct(c.steal_pct)}) on ${c.cpus} CPUs, ${c.procs_running} running / ${c.procs_blocked} blocked`);
  if (l) parts.push(`load ${num(l.load1)} / ${num(l.load5)} / ${num(l.load15)} (1/5/15 min; ${num(l.load1_per_cpu)} per CPU)`);
  return `${parts.join('; ')}.`;
}

export function memLine(m: MemRow | undefined): string {
  if (!m) return 'Memory: no memory_metrics rows yet.';
  const swapUsed = m.swap_total_kb - m.swap_free_kb;
  const swap = m.swap_total_kb > 0 ? `swap ${mib(swapUsed)} used of ${mib(m.swap_total_kb)}` : 'no swap configured';
  return `Memory ${frac(m.used_fraction)} used at ${isoLocal(m.timestamp)}: ${mib(m.available_kb)} available of ${mib(m.total_kb)} (cached ${mib(m.cached_kb)}, dirty ${mib(m.dirty_kb)}); ${swap}.`;
}

export function psiLine(rows: readonly PsiRow[]): string {
  if (rows.length === 0) return 'PSI: no pressure data (no /proc/pressure, or none recorded yet).';
  const order = ['cpu', 'memory', 'io', 'irq'];
  const sorted = [...rows].sort((a, b) => order.indexOf(a.resource) - order.indexOf(b.resource));
  return `Stall time (PSI "some", 10 s average) at ${isoLocal(rows[0]!.timestamp)}: ${sorted.map((r) => `${escapeUntrusted(r.resource, 10)} ${pct(r.some_avg10)}`).join(', ')}.`;
}

/** "CPU busy over the last 15 min (from .. to, 180 samples): avg 42.0%, min 3.0%, max 100.0% at T." */
export function historyLine(label: string, s: MetricSummary, fmt: (x: number) => string): string {
  if (s.n === 0) return `${label}: ${s.note ?? 'no data'}.`;
  return `${label} over the last ${s.minutes} min (${s.from} .. ${s.to}, ${s.n} samples): avg ${fmt(s.avg!)}, min ${fmt(s.min!)}, max ${fmt(s.max!)} at ${s.max_at}.`;
}

export function baselineLine(label: string, b: BaselineView, fmt: (x: number) => string): string {
  if (b.verdict === 'not enough history') return `${label} vs baseline: not enough history yet (${b.samples} samples).`;
  return `${label} vs this host's baseline: now ${fmt(b.current!)}, usual ${fmt(b.mean!)} ± ${fmt(b.sd!)} (z = ${num(b.z)}, ${b.samples} samples) — ${b.verdict}.`;
}

export function procLines(procs: readonly ProcView[], by: 'cpu' | 'memory'): string[] {
  return procs.map((p) => `  pid ${p.pid} ${p.comm}: ${by === 'cpu' ? `${pct(p.cpu_pct)} of one CPU, ${num(p.rss_mb)} MiB RSS` : `${num(p.rss_mb)} MiB RSS, ${pct(p.cpu_pct)} of one CPU`} (state ${p.state})`);
}

export const netRate = bytesRate;

export interface TrendView {
  n: number; spanS?: number; current?: number; projected?: number; slopePerMin?: number; r2?: number; confidence?: number;
  threshold?: number; threshold_reached_at?: string; timeToThresholdS?: number | null; from?: string; to?: string; projected_at?: string;
}

/** Too short a history says nothing about 30 minutes ahead: say so instead of a number. */
export const MIN_TREND_SPAN_S = 300;

export function trendLine(label: string, p: TrendView, fmt: (x: number) => string, slopeFmt: (x: number) => string = (x) => num(x)): string {
  if (p.n < 5 || (p.spanS ?? 0) < MIN_TREND_SPAN_S) {
    return `${label}: too little history for a trend (${p.n} samples over ${Math.round(p.spanS ?? 0)} s; needs ${MIN_TREND_SPAN_S / 60} min).`;
  }
  const slope = p.slopePerMin ?? 0;
  let cross = '';
  if (p.threshold !== undefined) {
    cross = p.timeToThresholdS === 0 ? `; already at or above ${fmt(p.threshold)}`
      : p.threshold_reached_at ? `; would reach ${fmt(p.threshold)} at ${p.threshold_reached_at}` : '';
  }
  return `${label}: ${fmt(p.current!)} at ${p.to} -> ${fmt(p.projected!)} at ${p.projected_at} (slope ${slope >= 0 ? '+' : ''}${slopeFmt(slope)}/min, R² ${num(p.r2)}, confidence ${num(p.confidence)}, ${p.n} samples from ${p.from})${cross}.`;
}
