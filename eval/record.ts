// What one scenario run leaves behind: the shape of eval/results/latest.json's
// `scenarios[]`. Times are seconds after the condition began (the culprit
// started), so runs compare whatever the wall clock said.

/** Who an action was aimed at, relative to the scenario. */
export type TargetKind = 'culprit' | 'bystander' | 'outside' | 'host';

export interface SignalRecord {
  readonly id: number;
  readonly type: string;
  readonly severity: string;
  readonly max_severity: string;
  /** first_seen minus the condition's start (negative: opened before the culprit ran). */
  readonly at_s: number;
  readonly entity: string | null;
  /** For a signal about one process: whose it is. null for a system, device or interface signal. */
  readonly process: TargetKind | null;
  /** About one of the system's own processes (KernelSight's components). */
  readonly system_process: boolean;
  readonly status: string;
  readonly summary: string;
}

export interface DecisionRecord {
  readonly id: number;
  readonly at_s: number;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly decided_by: string;
  readonly target: { readonly pid: number | null; readonly comm: string | null; readonly key: string | null; readonly kind: TargetKind };
  /** Every status the decision went through, in order (executing, executed, rolled_back, restored, ...). */
  readonly chain: readonly string[];
  readonly refused_rule: string | null;
  /** VERIFY's verdict (helped, neutral, worse, not_applied, target_gone), null when not verified. */
  readonly verdict: string | null;
  /** agent_actions.verification_json of the verdict row, parsed. */
  readonly verification: Record<string, unknown> | null;
  readonly rolled_back: boolean;
  /** Why the action's mechanism does nothing on this host, or null when it applies. */
  readonly mechanism_noop: string | null;
  readonly signal_ids: readonly number[];
  /** When VERIFY judged it (seconds after the condition began), null when it did not. */
  readonly verdict_at_s: number | null;
  /** The victim's probe after this verdict (the scenario's victim windows follow the first action only). */
  readonly victim_after: WindowStats | null;
}

/** The probe's numbers over one window (latencies in ms). */
export interface WindowStats {
  readonly from_s: number;
  readonly to_s: number;
  readonly seconds: number;
  readonly samples: number;
  readonly mean: number | null;
  /** Median of the per-second p99s. */
  readonly p99: number | null;
  readonly max: number | null;
  readonly majflt_per_s: number | null;
  readonly errors: number | null;
  /** The scenario's primary metric over this window. */
  readonly value: number | null;
}

export interface VictimRecord {
  readonly probe: string;
  readonly metric: string;
  readonly unit: string;
  readonly baseline: WindowStats | null;
  /** From the condition's start (after a warm-up) until the first action executed (or the end). */
  readonly before: WindowStats | null;
  /** Between the first action and its verdict. */
  readonly during: WindowStats | null;
  /** After the verdict. */
  readonly after: WindowStats | null;
  /** (before - baseline) and (after - baseline), in the metric's unit. */
  readonly harm_before: number | null;
  readonly harm_after: number | null;
  /** true/false when an action was taken and harm was measured before it; null otherwise. */
  readonly reduced: boolean | null;
  readonly note: string;
}

export interface ProcessChange { readonly pid: number; readonly comm: string; readonly what: string }

export interface OutsideRecord {
  /** Audit rows that acted on a process outside the scenario. */
  readonly audit: readonly string[];
  /** nice / I/O priority changes of processes outside the scenario (harness/procs.ts). */
  readonly processes: readonly ProcessChange[];
  /** Host-wide knobs changed while the scenario ran. */
  readonly sysctls: readonly string[];
  /** Changes still in place after the system stopped (restore-on-exit should leave none). */
  readonly left_after_stop: readonly string[];
}

export interface ScenarioRecord {
  readonly name: string;
  readonly title: string;
  /** What the right answer is: act on the culprit, or advise (no action). */
  readonly expect: 'act' | 'advise' | 'nothing';
  readonly started_at: string;
  /** How long the condition ran, seconds. */
  readonly condition_s: number;
  /** A harness error: the scenario could not be run to the end. */
  readonly error: string | null;
  readonly signals: readonly SignalRecord[];
  /**
   * A signal of one of `detect_types` opened after the condition began, about the
   * host or a device, or about one of the scenario's processes (not someone else's).
   */
  readonly detected: boolean;
  readonly detect_types: readonly string[];
  readonly decisions: readonly DecisionRecord[];
  /** At least one decision reached `executed`. */
  readonly acted: boolean;
  readonly victim: VictimRecord | null;
  readonly outside: OutsideRecord;
  readonly culprit: { readonly comm: string; readonly pids: readonly number[] } | null;
  /**
   * Processes of other test runs (`node --test` trees that are not ours) seen while
   * the scenario ran: on a shared machine they move the same numbers.
   */
  readonly other_test_processes: number;
  /** Idle scenario: what the rest of the host used meanwhile, % of one core (null: not measured). */
  readonly others_cpu_pct: number | null;
  readonly notes: readonly string[];
}
