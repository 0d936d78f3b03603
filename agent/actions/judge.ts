// What "helped" means, per kind of action. Every judge compares two equal windows
// measured by the agent itself (before acting, and after the settle time).
//
// - worse: the pressure the action targets rose beyond noise. Noise tolerance is
//   generous (+10 points and +50%) because other work on the host moves these
//   numbers too; a rollback for a coincidence costs little, a missed harm more.
// - helped: a clear improvement in the metric the action is for.
// - neutral: applied, nothing measurable either way (e.g. a renice on an otherwise
//   idle box: nobody was waiting for the CPU). It did not help, so VERIFY rolls it
//   back (DESIGN.md safety model) unless the agent runs with --keep-neutral.
import { readPidStatus } from '../../lib/procfs/pid.js';
import type { Judgement, Measurement, Target } from './types.js';

const rose = (b: number, a: number) => a > b + Math.max(10, 0.5 * b);
const fell = (b: number, a: number) => a < b - Math.max(5, 0.25 * b);
const r1 = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10) / 10);

function targetCpu(m: Measurement, t: Target): number | undefined {
  if (t.kind !== 'process') return undefined;
  return m.processes.find((p) => p.pid === t.pid && p.startTime === t.startTime)?.cpuPct;
}

/**
 * Busy CPU, in % of one CPU, on the CPUs the target may run on: that is where it
 * competes with others. A target pinned to one CPU is judged on that CPU, so
 * load that comes and goes on the other CPUs is not mistaken for its effect.
 */
function busyWhereTargetRuns(m: Measurement, allowed: readonly number[] | null): number {
  const per = m.system.perCpuBusyPct;
  if (!allowed) return m.system.busyCpuPct;
  return allowed.reduce((sum, c) => sum + (per[c] ?? 0), 0);
}

/** The target's CPUs when they are a strict subset of the online ones, else null (all). */
function targetCpus(m: Measurement, t: Target): number[] | null {
  const allowed = t.kind === 'process' ? (readPidStatus(t.pid)?.cpusAllowed ?? null) : null;
  const per = m.system.perCpuBusyPct;
  const online = per.flatMap((_, i) => (i in per ? [i] : []));
  return !allowed || online.every((c) => allowed.includes(c)) ? null : allowed.filter((c) => online.includes(c));
}

/**
 * CPU actions (renice, CPU quota). The metric is the CPU the OTHER processes get
 * (busy CPU where the target may run, minus the target's, in % of one CPU). Helped: others got at least 5
 * points more while the target gave up a clear share, or CPU stall (PSI some) fell. Worse: others
 * got clearly less CPU AND CPU stall rose: they wanted the CPU and did not get it.
 */
export function judgeCpu(before: Measurement, after: Measurement, t: Target): Judgement {
  const tb = targetCpu(before, t) ?? 0;
  const ta = targetCpu(after, t) ?? 0;
  const cpus = targetCpus(after, t);
  const ob = Math.max(0, busyWhereTargetRuns(before, cpus) - tb);
  const oa = Math.max(0, busyWhereTargetRuns(after, cpus) - ta);
  const sb = before.system.cpuStallPct;
  const sa = after.system.cpuStallPct;
  const where = cpus ? ` on CPU ${cpus.join(',')} (the target's affinity)` : '';
  const detail = `target cpu ${r1(tb)}%->${r1(ta)}%, others${where} ${r1(ob)}%->${r1(oa)}%, cpu stall ${r1(sb)}%->${r1(sa)}%`;
  const stallRose = sb !== undefined && sa !== undefined && rose(sb, sa);
  if (oa < ob - Math.max(10, 0.3 * ob) && stallRose) {
    return { verdict: 'worse', metric: 'others_cpu_pct', before: r1(ob), after: r1(oa), detail };
  }
  const stallFell = sb !== undefined && sa !== undefined && fell(sb, sa);
  // The target gave up a clear share (10%, at least 5 points) and others got at
  // least 5 points more. Not a fixed ratio: with other autogroups busy, a renice
  // moves less CPU between the target and those it starved, but moves it.
  const gaveUp = ta < tb - Math.max(5, 0.1 * tb);
  if ((gaveUp && oa > ob + 5) || stallFell) {
    return { verdict: 'helped', metric: 'others_cpu_pct', before: r1(ob), after: r1(oa), detail };
  }
  return { verdict: 'neutral', metric: 'others_cpu_pct', before: r1(ob), after: r1(oa), detail };
}

type Stall = 'cpuStallPct' | 'ioStallPct' | 'memStallPct';

/** Stall-based judge for one PSI resource (I/O priority, dirty ratios, swappiness, pause). */
export function judgeStall(before: Measurement, after: Measurement, key: Stall, extra = ''): Judgement {
  const b = before.system[key];
  const a = after.system[key];
  const detail = `${key} ${r1(b)}%->${r1(a)}%${extra ? `, ${extra}` : ''}`;
  if (b === undefined || a === undefined) return { verdict: 'neutral', metric: key, before: null, after: null, detail: `${detail} (no PSI)` };
  if (rose(b, a)) return { verdict: 'worse', metric: key, before: r1(b), after: r1(a), detail };
  if (fell(b, a)) return { verdict: 'helped', metric: key, before: r1(b), after: r1(a), detail };
  return { verdict: 'neutral', metric: key, before: r1(b), after: r1(a), detail };
}

/** The worst of the three stalls: for actions whose effect is not tied to one resource. */
export function judgeAnyStall(before: Measurement, after: Measurement): Judgement {
  const all = (['cpuStallPct', 'ioStallPct', 'memStallPct'] as const).map((k) => judgeStall(before, after, k));
  return all.find((j) => j.verdict === 'worse') ?? all.find((j) => j.verdict === 'helped') ?? all[0]!;
}

/**
 * A rate the action should bring down (swap pages/s, listen drops/s). Worse: the
 * rate rose clearly (by more than `minAbs` per second and by half), or the related
 * stall did. Helped: the rate fell by a quarter or more from a non-trivial level.
 */
export function judgeRate(before: Measurement, after: Measurement, metric: 'swapPagesPerS' | 'listenDropsPerS', stall: Stall, minAbs: number): Judgement {
  const b = before.system[metric];
  const a = after.system[metric];
  const s = judgeStall(before, after, stall, `${metric} ${r1(b)}->${r1(a)}`);
  if (a > b + Math.max(minAbs, 0.5 * b)) return { verdict: 'worse', metric, before: r1(b), after: r1(a), detail: s.detail };
  if (s.verdict === 'worse') return s;
  if (b > minAbs && a < b * 0.75) return { verdict: 'helped', metric, before: r1(b), after: r1(a), detail: s.detail };
  return { ...s, verdict: 'neutral', metric, before: r1(b), after: r1(a) };
}
