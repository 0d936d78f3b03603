// The victim's side of a scenario: its probe's per-second lines (eval/probes.ts),
// summarised over a baseline (probe alone), before the agent acted, while the
// action settled, and after VERIFY's verdict; and whether the harm went down.
import fs from 'node:fs';
import type { VictimRecord, WindowStats } from './record.js';

export interface ProbeLine {
  readonly ts: number; readonly span_s: number; readonly n: number;
  readonly mean?: number; readonly p99?: number; readonly max?: number;
  readonly majflt?: number; readonly errors?: number;
}

/** Which number of a window is the scenario's measure of harm (higher is worse). */
export type MetricField = 'mean' | 'p99' | 'majflt_per_s';

export interface VictimMetric {
  readonly field: MetricField;
  readonly unit: string;
  /** A difference smaller than this is noise: below it there is no harm to reduce. */
  readonly floor: number;
}

export function readProbe(file: string): ProbeLine[] {
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { return []; }
  const out: ProbeLine[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try { out.push(JSON.parse(line) as ProbeLine); } catch { /* a line cut by the probe's kill */ }
  }
  return out;
}

const r = (x: number): number => Math.round(x * 1000) / 1000;
const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * The lines whose middle falls in [from, to] (epoch seconds), summarised; times
 * reported relative to `t0`. null when no line falls in the window.
 */
export function windowStats(lines: readonly ProbeLine[], from: number, to: number, t0: number, field: MetricField): WindowStats | null {
  const sel = lines.filter((l) => { const mid = l.ts - l.span_s / 2; return mid >= from && mid <= to; });
  if (!sel.length || to <= from) return null;
  const n = sel.reduce((a, l) => a + l.n, 0);
  const span = sel.reduce((a, l) => a + l.span_s, 0);
  const withMean = sel.filter((l) => l.n > 0 && l.mean !== undefined);
  const mean = withMean.length ? withMean.reduce((a, l) => a + l.n * l.mean!, 0) / withMean.reduce((a, l) => a + l.n, 0) : null;
  const p99 = median(sel.flatMap((l) => (l.p99 === undefined ? [] : [l.p99])));
  const maxes = sel.flatMap((l) => (l.max === undefined ? [] : [l.max]));
  const hasFaults = sel.some((l) => l.majflt !== undefined);
  const majflt = hasFaults ? sel.reduce((a, l) => a + (l.majflt ?? 0), 0) / span : null;
  const hasErrors = sel.some((l) => l.errors !== undefined);
  const stats = {
    from_s: r(from - t0), to_s: r(to - t0), seconds: r(span), samples: n,
    mean: mean === null ? null : r(mean), p99: p99 === null ? null : r(p99), max: maxes.length ? r(Math.max(...maxes)) : null,
    majflt_per_s: majflt === null ? null : r(majflt), errors: hasErrors ? sel.reduce((a, l) => a + (l.errors ?? 0), 0) : null,
  };
  return { ...stats, value: stats[field] };
}

export interface VictimTimes {
  /** Epoch seconds: probe measuring alone, the condition's start, the first action, its verdict, the end. */
  readonly baselineFrom: number;
  readonly conditionAt: number;
  readonly actedAt: number | null;
  readonly verdictAt: number | null;
  readonly endAt: number;
  /** Seconds after the condition began before "before" starts (the culprit ramping up). */
  readonly warmupS: number;
  /** Length of the "after" window at most. */
  readonly afterS: number;
}

/**
 * Reduced: an action was taken, the harm before it was above the metric's floor,
 * and after the verdict at most three quarters of it was left.
 */
export function judgeVictim(probe: string, lines: readonly ProbeLine[], m: VictimMetric, t: VictimTimes): VictimRecord {
  const t0 = t.conditionAt;
  const baseline = windowStats(lines, t.baselineFrom, t.conditionAt, t0, m.field);
  const beforeFrom = t.conditionAt + t.warmupS;
  const before = windowStats(lines, beforeFrom, t.actedAt ?? t.endAt, t0, m.field);
  const during = t.actedAt !== null ? windowStats(lines, t.actedAt, t.verdictAt ?? t.endAt, t0, m.field) : null;
  const after = t.verdictAt !== null ? windowStats(lines, t.verdictAt, Math.min(t.endAt, t.verdictAt + t.afterS), t0, m.field) : null;
  const harm = (w: WindowStats | null): number | null =>
    (w?.value === null || w?.value === undefined || baseline?.value === null || baseline?.value === undefined ? null : r(w.value - baseline.value));
  const harmBefore = harm(before);
  const harmAfter = harm(after);
  let reduced: boolean | null = null;
  let note: string;
  if (t.actedAt === null) note = 'no action taken';
  else if (harmBefore === null) note = 'no measurement before the action';
  else if (harmBefore <= m.floor) { reduced = false; note = `no harm measured before the action (${harmBefore} ${m.unit} over baseline, floor ${m.floor})`; }
  else if (harmAfter === null) note = 'no measurement after the verdict';
  else {
    reduced = harmAfter <= 0.75 * harmBefore;
    const change = Math.round((100 * (harmAfter - harmBefore)) / harmBefore);
    note = `harm ${harmBefore} -> ${harmAfter} ${m.unit} over baseline (${Math.abs(change)}% ${change <= 0 ? 'less' : 'more'})`;
  }
  return { probe, metric: m.field, unit: m.unit, baseline, before, during, after, harm_before: harmBefore, harm_after: harmAfter, reduced, note };
}
