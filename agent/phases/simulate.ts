// SIMULATE: where each pressure is heading (least-squares projection 30 minutes
// ahead, with R²-based confidence and time to threshold), and what each candidate
// action is expected to do, in numbers where the observation has them: each
// action estimates its own effect (ActionHandler.estimate).
import { lookupAction } from '../actions/catalogue.js';
import type { ExpectedEffect } from '../actions/types.js';
import { candidatesFor, type Candidate } from './candidates.js';
import { project, type Projection } from '../../lib/trend.js';
import type { Cause, Resource } from './explain.js';
import type { Observation } from './observe.js';

/** A candidate and what its action predicts (metric, from, to, in words). */
export interface CandidateEffect extends Candidate, ExpectedEffect {}

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

const NO_ESTIMATE: ExpectedEffect = { metric: 'none', from: null, to: null, expectedEffect: 'no quantitative estimate' };

/** What the candidate's action says it will do, given this observation. */
export function effectOf(c: Candidate, obs: Observation): ExpectedEffect {
  const target = obs.targets.find((x) => x.ref === c.params.target);
  const input = { params: c.params, rationale: c.rationale, target, cpus: obs.cpus, system: obs.system, targets: obs.targets, sysctls: obs.sysctls };
  return lookupAction(c.action)?.estimate?.(input) ?? NO_ESTIMATE;
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
