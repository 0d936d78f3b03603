// What "helped" means. Every judge compares the harm the action is for, measured
// on the victims (agent/proc/harm.ts: everything outside the target workload),
// over a before window and an equal after window, each cut into slices:
//
// - the before window's slices estimate the noise; the effect (before mean minus
//   after mean; lower harm is better) counts only when it exceeds 3 standard
//   errors of the difference, a minimum absolute change for the metric, and 10%
//   of the before level;
// - worse: the harm rose by as much (25% of the level rather than 10%);
// - otherwise neutral: applied, nothing measurable either way. It did not help,
//   so VERIFY rolls it back (DESIGN.md safety model) unless --keep-neutral.
//   An effect between 1 and 3 standard errors is "ambiguous": VERIFY then runs a
//   switchback (revert, measure, re-apply, measure) for actions that allow it.
//   So is a comparison whose after window is far noisier than its before window
//   (a burst from elsewhere on a busy host landed in it): its mean says little
//   either way, and a second pair of windows can.
//
// The target's own loss and its siblings' gain are not in the metric: renicing
// one of four workers of one job moves CPU between workers and is neutral.
import type { HarmSlice, HarmWindow } from '../proc/harm.js';
import type { Judgement, Measurement, Target, WindowStats } from './types.js';

export interface HarmRule {
  readonly key: keyof HarmSlice;
  /** What is measured, in words, on whom. */
  readonly label: string;
  readonly unit: string;
  /** The smallest change that counts, whatever the noise. */
  readonly minAbs: number;
}

export const HARMS = {
  runDelay: { key: 'othersRunDelayMsPerS', label: 'run-queue wait of every thread outside the workload', unit: 'ms/s', minAbs: 20 },
  cpuStall: { key: 'cpuStallPct', label: 'cpu stall (PSI some)', unit: '%', minAbs: 3 },
  ioStall: { key: 'ioStallPct', label: 'io stall (PSI some)', unit: '%', minAbs: 3 },
  memStall: { key: 'memStallPct', label: 'memory stall (PSI some)', unit: '%', minAbs: 3 },
  readAwait: { key: 'readAwaitMs', label: 'latency of reads on the workload\'s disks (the workload writes)', unit: 'ms', minAbs: 0.5 },
  writeAwait: { key: 'writeAwaitMs', label: 'latency of writes on the workload\'s disks (the workload reads)', unit: 'ms', minAbs: 0.5 },
  dirty: { key: 'dirtyKb', label: 'dirty page cache waiting for writeback', unit: 'KiB', minAbs: 64 * 1024 },
} as const satisfies Record<string, HarmRule>;

const r2 = (x: number) => Math.round(x * 100) / 100;

export function stats(w: HarmWindow | undefined, key: keyof HarmSlice): WindowStats {
  const xs = (w?.slices ?? []).map((s) => s[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  const mean = n ? xs.reduce((a, b) => a + b, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { n, mean: r2(mean), sd: r2(sd), sliceMs: w?.sliceMs ?? 0 };
}

/** An after window with this many times the before window's spread was disturbed from elsewhere. */
const DISTURBED_SD_RATIO = 4;

export const CONTROL = 'the before window: same host, same workload, action not yet applied';

/** Compare two sets of slices on one harm metric. */
export function compare(beforeStats: WindowStats, afterStats: WindowStats, rule: HarmRule, detail: string, control = CONTROL): Judgement {
  const base = { metric: rule.key, unit: rule.unit, control, windows: { before: beforeStats, after: afterStats } };
  if (beforeStats.n < 3 || afterStats.n < 3) {
    return { ...base, verdict: 'neutral', before: null, after: null, effect: null, sigma: null, threshold: null, ambiguous: false,
      detail: `${rule.label}: not measurable (${beforeStats.n} / ${afterStats.n} slices with data)${detail ? `; ${detail}` : ''}` };
  }
  const effect = beforeStats.mean - afterStats.mean;
  const sigma = Math.sqrt(beforeStats.sd ** 2 / beforeStats.n + afterStats.sd ** 2 / afterStats.n);
  const helpAt = Math.max(3 * sigma, rule.minAbs, 0.1 * beforeStats.mean);
  const worseAt = Math.max(3 * sigma, rule.minAbs, 0.25 * beforeStats.mean);
  const verdict = effect >= helpAt ? 'helped' : -effect >= worseAt ? 'worse' : 'neutral';
  const threshold = verdict === 'worse' ? worseAt : helpAt;
  const disturbed = afterStats.sd > DISTURBED_SD_RATIO * Math.max(beforeStats.sd, rule.minAbs);
  const text = `${rule.label} ${r2(beforeStats.mean)}±${r2(beforeStats.sd)} -> ${r2(afterStats.mean)}±${r2(afterStats.sd)} ${rule.unit} `
    + `(effect ${r2(effect)}, needs ${r2(helpAt)}: 3σ=${r2(3 * sigma)}, min ${rule.minAbs})`;
  return { ...base, verdict, before: beforeStats.mean, after: afterStats.mean, effect: r2(effect), sigma: r2(sigma), threshold: r2(threshold),
    ambiguous: verdict === 'neutral' && (Math.abs(effect) > sigma || disturbed) && Math.abs(effect) >= rule.minAbs / 2,
    detail: [text, disturbed ? `the after window is ${r2(afterStats.sd / Math.max(beforeStats.sd, rule.minAbs))}x noisier than the before window` : '', detail].filter(Boolean).join('; ') };
}

/**
 * The verdict of a switchback (off = reverted, on = re-applied) after an ambiguous
 * first comparison. Off vs on decides alone when it passes the noise test, in the
 * first comparison's direction. Otherwise the two are independent estimates of one
 * effect: when each points the same way beyond one standard error of its own
 * noise, their mean counts against 3 standard errors of that mean
 * (σ = √(σ1² + σ2²) / 2), the same minimum and 10% of the level. A drift that
 * flattered the first comparison leaves off vs on flat, inside its noise: neutral.
 */
export function settleSwitchback(first: Judgement, sb: Judgement, rule: HarmRule): Pick<Judgement, 'verdict' | 'effect' | 'sigma' | 'threshold'> & { how: string } {
  const e1 = first.effect ?? 0, s1 = first.sigma ?? 0, e2 = sb.effect ?? 0, s2 = sb.sigma ?? 0;
  if (sb.verdict === 'worse') return { verdict: 'worse', effect: sb.effect, sigma: sb.sigma, threshold: sb.threshold, how: 'switching it back on made it worse' };
  if (sb.verdict === 'helped' && Math.sign(e2) === Math.sign(e1)) return { verdict: 'helped', effect: sb.effect, sigma: sb.sigma, threshold: sb.threshold, how: 'off vs on alone passes' };
  const agree = e1 > s1 && e2 > s2;
  const effect = (e1 + e2) / 2;
  const sigma = Math.sqrt(s1 ** 2 + s2 ** 2) / 2;
  const level = Math.max(first.before ?? 0, sb.before ?? 0);
  const threshold = Math.max(3 * sigma, rule.minAbs, 0.1 * level);
  const helped = agree && effect >= threshold;
  return {
    verdict: helped ? 'helped' : 'neutral', effect: r2(effect), sigma: r2(sigma), threshold: r2(threshold),
    how: agree
      ? `both comparisons lower the harm beyond their own noise; pooled effect ${r2(effect)} ${rule.unit}, needs ${r2(threshold)} (3σ of the mean=${r2(3 * sigma)})`
      : `the two comparisons do not both lower the harm beyond one standard error (${r2(e1)}/${r2(s1)}, ${r2(e2)}/${r2(s2)})`,
  };
}

export function judgeHarm(before: Measurement, after: Measurement, rule: HarmRule, detail = ''): Judgement {
  return compare(stats(before.harm, rule.key), stats(after.harm, rule.key), rule, detail);
}

function targetCpu(m: Measurement, t: Target): number {
  if (t.kind !== 'process') return 0;
  const pids = new Set((t.members ?? [t]).map((x) => x.pid));
  return m.processes.filter((p) => pids.has(p.pid)).reduce((a, p) => a + p.cpuPct, 0);
}

/** CPU actions (nice, weight, quota): judged on the run-queue wait of everything else. */
export function judgeCpu(before: Measurement, after: Measurement, t: Target): Judgement {
  return judgeHarm(before, after, HARMS.runDelay, `workload cpu ${Math.round(targetCpu(before, t))}% -> ${Math.round(targetCpu(after, t))}% (not part of the verdict)`);
}

/**
 * I/O actions: the latency of the other direction's I/O on the workload's disks
 * (its victims: readers beside a writer). With no such I/O before acting there is
 * nobody to protect: neutral. (PSI io is no substitute: it counts the workload's
 * own stall, which a bandwidth limit raises.)
 */
export function judgeIo(before: Measurement, after: Measurement): Judgement {
  const h = before.harm;
  const rule = h.workloadWriteBps >= h.workloadReadBps ? HARMS.readAwait : HARMS.writeAwait;
  const disks = h.devices.length ? h.devices.join(',') : 'no disk';
  const extra = stats(h, rule.key).n >= 3 ? `disks ${disks}` : `no other ${rule === HARMS.readAwait ? 'reads' : 'writes'} on ${disks} before acting: nobody to protect`;
  return judgeHarm(before, after, rule, `${extra}; io stall ${before.system.ioStallPct ?? '?'}% -> ${after.system.ioStallPct ?? '?'}% (includes the workload's own, not part of the verdict)`);
}

type Stall = 'cpuStall' | 'ioStall' | 'memStall';

export function judgeStall(before: Measurement, after: Measurement, key: Stall, extra = ''): Judgement {
  return judgeHarm(before, after, HARMS[key], extra);
}

/** The worst of the three stalls: for actions whose effect is not tied to one resource. */
export function judgeAnyStall(before: Measurement, after: Measurement): Judgement {
  const all = (['cpuStall', 'ioStall', 'memStall'] as const).map((k) => judgeStall(before, after, k));
  return all.find((j) => j.verdict === 'worse') ?? all.find((j) => j.verdict === 'helped') ?? all[0]!;
}
