// SIMULATE: where each pressure is heading (least-squares projection 30 minutes
// ahead, with R²-based confidence and time to threshold), and what each candidate
// action is expected to do, in numbers where the observation has them.
import { candidatesFor, type Candidate } from './candidates.js';
import { project, type Projection } from '../trend.js';
import type { Cause, Resource } from './explain.js';
import type { Observation } from './observe.js';

export interface CandidateEffect extends Candidate {
  readonly expectedEffect: string;
  /** The metric the effect is predicted on, and the predicted values. */
  readonly metric: string;
  readonly from: number | null;
  readonly to: number | null;
}

export interface Simulation {
  readonly projections: Record<string, Projection>;
  /** Which projection speaks for each resource. */
  readonly byResource: Partial<Record<Resource, string>>;
  readonly candidates: CandidateEffect[];
}

const THRESHOLDS: Record<string, { threshold: number; min: number; max: number }> = {
  cpu_busy_pct: { threshold: 90, min: 0, max: 100 },
  mem_used_fraction: { threshold: 0.95, min: 0, max: 1 },
  load1_per_cpu: { threshold: 4, min: 0, max: Infinity },
  psi_cpu_some10: { threshold: 50, min: 0, max: 100 },
  psi_memory_some10: { threshold: 20, min: 0, max: 100 },
  psi_io_some10: { threshold: 40, min: 0, max: 100 },
  swap_pages_per_s: { threshold: 1000, min: 0, max: Infinity },
  tcp_time_wait: { threshold: 5000, min: 0, max: Infinity },
};

const RESOURCE_METRIC: Record<Resource, string[]> = {
  cpu: ['psi_cpu_some10', 'cpu_busy_pct', 'load1_per_cpu'],
  memory: ['psi_memory_some10', 'mem_used_fraction', 'swap_pages_per_s'],
  io: ['psi_io_some10'],
  network: ['tcp_time_wait'],
  other: [],
};

/** CFS weight of a nice level (1024 at 0, ~1.25x per step). */
const weight = (nice: number) => 1024 / Math.pow(1.25, nice);
const r1 = (x: number) => Math.round(x * 10) / 10;

export function effectOf(c: Candidate, obs: Observation): Omit<CandidateEffect, keyof Candidate> {
  const t = obs.targets.find((x) => x.ref === c.params.target);
  const contended = (obs.system.cpuStallPct ?? 0) > 5 || obs.system.busyPct > 90;
  switch (c.action) {
    case 'lower_process_priority': {
      if (!t) break;
      const share = weight(Number(c.params.nice)) / (weight(Number(c.params.nice)) + weight(0));
      const to = contended ? Math.min(t.cpuPct, r1(100 * share)) : t.cpuPct;
      return { metric: `${t.ref}.cpu_pct_when_contended`, from: t.cpuPct, to,
        expectedEffect: contended
          ? `other runnable work is waiting (cpu stall ${r1(obs.system.cpuStallPct ?? 0)}%): ${t.ref} should drop from ${t.cpuPct}% toward ~${to}% of a contended cpu, others gain up to ${r1(t.cpuPct - to)}%`
          : `nobody is waiting for cpu now: no measurable change expected until competition appears; ${t.ref} then yields to it` };
    }
    case 'throttle_cpu': {
      if (!t) break;
      const q = Number(c.params.quota_pct);
      const freed = Math.max(0, t.cpuPct - q);
      return { metric: 'system.busy_pct', from: r1(obs.system.busyPct), to: r1(Math.max(0, obs.system.busyPct - freed / obs.cpus)),
        expectedEffect: `${t.ref} capped at ${q}% of one cpu (now ${t.cpuPct}%): frees ~${r1(freed)}% of a cpu; system busy ${r1(obs.system.busyPct)}% -> ~${r1(Math.max(0, obs.system.busyPct - freed / obs.cpus))}% unless others take it` };
    }
    case 'lower_io_priority': {
      if (!t) break;
      const total = obs.targets.reduce((s, x) => s + x.ioBytesPerS, 0);
      const share = total ? t.ioBytesPerS / total : 0;
      const stall = obs.system.ioStallPct ?? 0;
      return { metric: 'system.io_stall_pct', from: r1(stall), to: r1(stall * (1 - share / 2)),
        expectedEffect: `${t.ref} (${Math.round(share * 100)}% of process I/O) served after others: io stall ${r1(stall)}% expected to ease toward ~${r1(stall * (1 - share / 2))}%` };
    }
    case 'set_sysctl': {
      const key = String(c.params.key);
      return { metric: key, from: obs.sysctls[key] ?? null, to: Number(c.params.value),
        expectedEffect: `${key} ${obs.sysctls[key]} -> ${c.params.value}; ${c.rationale.split('; ').pop()}` };
    }
    case 'pause_process':
      if (!t) break;
      return { metric: `${t.ref}.cpu_pct`, from: t.cpuPct, to: 0,
        expectedEffect: `${t.ref} stops for ${c.params.duration_s}s: its ${t.cpuPct}% cpu and ${Math.round(t.ioBytesPerS / 1024)} KiB/s I/O stop, its ${t.memPct}% of RAM stops growing (not freed)` };
  }
  return { metric: 'none', from: null, to: null, expectedEffect: 'no quantitative estimate' };
}

export function simulate(obs: Observation, causes: readonly Cause[]): Simulation {
  const projections: Record<string, Projection> = {};
  for (const [metric, pts] of Object.entries(obs.series)) {
    const th = THRESHOLDS[metric];
    const p = project(metric, pts, obs.ts, th ? { threshold: th.threshold, min: th.min, max: th.max } : {});
    if (p) projections[metric] = p;
  }
  const byResource: Partial<Record<Resource, string>> = {};
  for (const [r, metrics] of Object.entries(RESOURCE_METRIC) as Array<[Resource, string[]]>) {
    const m = metrics.find((x) => projections[x] && projections[x]!.n >= 3);
    if (m) byResource[r] = m;
  }
  const candidates = causes.flatMap((c) => candidatesFor(c, obs)).map((c) => ({ ...c, ...effectOf(c, obs) }));
  return { projections, byResource, candidates };
}
