// What a scenario declares; eval/runner.ts does the rest (the real system, the
// scope launcher holding culprit and victim, the windows, the audit trail).
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { WorkloadSpec } from '../harness/scope.js';
import type { MemoryCgroup } from './cgroup.js';
import type { VictimMetric } from './victim.js';

export interface ScenarioEnv {
  /** The scenario's scratch directory (also the system's database and logs). */
  readonly dir: string;
  /** Where the victim's probe writes its per-second lines. */
  readonly probeFile: string;
  /** Seconds a workload may live at most (it also exits with the launcher). */
  readonly lifeS: number;
  /** Present when the scenario asked for a memory cgroup. */
  readonly cgroup?: MemoryCgroup;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  /** The right answer: act on the culprit, advise only (no action fits), or nothing at all (idle). */
  readonly expect: 'act' | 'advise' | 'nothing';
  /** Signal types that count as having noticed the condition. */
  readonly detects: readonly string[];
  /** Make a capped memory cgroup (MiB) for the workloads to join; removed afterwards. */
  readonly memoryCgroupMb?: number;
  /** Files the workloads need, made before anything starts. */
  prepare?(env: ScenarioEnv): void;
  /** The victim: a probe measuring its own experience (eval/probes.ts), and which number is harm. */
  readonly victim?: { probe(env: ScenarioEnv): WorkloadSpec; readonly metric: VictimMetric };
  /** The trouble (absent for idle). */
  culprit?(env: ScenarioEnv): WorkloadSpec;
  /** Facts worth keeping from the scenario's own state at the end (e.g. the cgroup's OOM kills). */
  notes?(env: ScenarioEnv): string[];
  /** Runs for --idle-s instead of --scenario-s, with no baseline (there is nothing to compare). */
  readonly idle?: boolean;
}

/** A file of `mb` MiB of random bytes, flushed to disk (so reading it later is real I/O). */
export function makeDataFile(file: string, mb: number): void {
  const chunk = crypto.randomBytes(1 << 20);
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    for (let i = 0; i < mb; i++) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
