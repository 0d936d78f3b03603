// The shapes every action shares: its typed parameter specs, the target it acts on,
// and the handler that reads prior state, applies, checks, judges and rolls back.
// What differs per action is declared here, on the action (needs approval, how
// long it lasts, whether it ends its target, what it is expected to do, how its
// effect is judged), so the executor, approvals and VERIFY hold no action names.
import type { HarmWindow } from '../proc/harm.js';
import type { Sample } from '../proc/sampler.js';
import type { SystemWindow } from '../proc/system.js';
import type { Member } from '../proc/workload.js';

export type RiskTier = 'low' | 'medium' | 'high';

export type ParamSpec =
  | { readonly kind: 'target'; readonly description: string }
  | { readonly kind: 'int'; readonly min: number; readonly max: number; readonly description: string }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly description: string };

export interface ActionSpec {
  readonly name: string;
  readonly description: string;
  /** The condition it is for, in words (shown to the model and in EXPLAIN). */
  readonly condition: string;
  /** The kernel mechanism it relies on, and where that mechanism does nothing. */
  readonly mechanism: string;
  readonly risk: RiskTier;
  /** High-risk actions are recorded as pending_approval and run only when a person approves. */
  readonly needsApproval: boolean;
  readonly reversible: boolean;
  readonly targetKind: 'process' | 'sysctl' | 'system';
  readonly params: Readonly<Record<string, ParamSpec>>;
  /**
   * The int parameter (seconds) after which the change is reversed on its own
   * (a pause runs for duration_s): the agent restores it once that has elapsed.
   */
  readonly expiresAfter?: string;
  /** Ending the target is the effect (it exits): VERIFY does not take its exit for "target gone". */
  readonly removesTarget?: boolean;
  /**
   * Reversing it imposes on the target again (undoing a resume stops the process):
   * only an operator's undo does that. VERIFY, restore-on-exit and expiry leave the
   * change in place and audit that they did.
   */
  readonly reverseOnlyOnRequest?: boolean;
  /**
   * Cheap to revert and re-apply at once: VERIFY may settle an ambiguous comparison
   * with a switchback (revert, measure, re-apply, measure).
   */
  readonly switchback?: boolean;
}

export type Params = Readonly<Record<string, string | number>>;

export type Target =
  | {
    readonly kind: 'process'; readonly ref: string; readonly pid: number; readonly startTime: number; readonly comm: string;
    /** Every process of the workload (pid included); absent: the process alone. */
    readonly members?: readonly Member[];
  }
  | { readonly kind: 'sysctl'; readonly ref: string; readonly key: string }
  | { readonly kind: 'system'; readonly ref: 'system' };

export function targetKey(t: Target): string {
  switch (t.kind) {
    case 'process': return `${t.pid}:${t.startTime}`;
    case 'sysctl': return `sysctl:${t.key}`;
    case 'system': return 'system';
  }
}

/** A rule that said no, and the value that made it say no. */
export interface Refusal { readonly rule: string; readonly detail: string }

export type PriorState = Readonly<Record<string, unknown>>;

/** What VERIFY compares: the processes (the target's numbers) and the victims' harm, over equal windows. */
export type Measurement = Sample & { readonly harm: HarmWindow };

export type Verdict = 'helped' | 'neutral' | 'worse';

/** One window of one harm metric, over its slices. */
export interface WindowStats { readonly n: number; readonly mean: number; readonly sd: number; readonly sliceMs: number }

export interface Judgement {
  readonly verdict: Verdict;
  /** The harm metric that decided (agent/actions/judge.ts HARMS), its unit, and its means before and after. */
  readonly metric: string;
  readonly unit?: string;
  readonly before: number | null;
  readonly after: number | null;
  /** before - after (less harm is positive), its standard error, and the effect it had to reach. */
  readonly effect?: number | null;
  readonly sigma?: number | null;
  readonly threshold?: number | null;
  /** Between 1 and 3 standard errors: a switchback can settle it. */
  readonly ambiguous?: boolean;
  /** What the after window was compared with. */
  readonly control?: string;
  readonly windows?: Readonly<Record<string, WindowStats>>;
  readonly detail: string;
}

/** A process as SIMULATE sees it: the observation's numbers for one target. */
export interface ObservedProcess {
  readonly ref: string;
  readonly cpuPct: number;
  readonly ioBytesPerS: number;
  readonly memPct: number;
}

/** What SIMULATE knows when it asks an action what it would do. */
export interface EffectInput {
  /** Untrusted when a model chose them: read with Number()/String(). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Why the rules chose it ("" when a model did). */
  readonly rationale: string;
  /** The observed process that params.target names, if any. */
  readonly target?: ObservedProcess;
  readonly cpus: number;
  readonly system: Pick<SystemWindow, 'busyPct' | 'cpuStallPct' | 'ioStallPct'>;
  readonly targets: readonly ObservedProcess[];
  readonly sysctls: Readonly<Record<string, number | null>>;
}

/** The predicted effect: on which metric, from what to what, and in words with the numbers. */
export interface ExpectedEffect {
  readonly metric: string;
  readonly from: number | null;
  readonly to: number | null;
  readonly expectedEffect: string;
}

export interface ActionHandler {
  readonly spec: ActionSpec;
  /** Read the state this action is about to change (recorded before acting). */
  readPrior(target: Target, params: Params): Promise<PriorState>;
  /** Rules that depend on the live state (e.g. renice may only lower priority). */
  check(target: Target, params: Params, prior: PriorState): Refusal | null;
  /**
   * Does the mechanism work for this target on this host (I/O scheduler, autogroup,
   * cgroup controllers)? A refusal names why not: the rules do not propose it and
   * the executor refuses it. Absent: it applies wherever check() passes.
   */
  applies?(target: Target, params: Params): Refusal | null;
  /** The exact operation, shown in dry-run and stored in the audit. */
  describe(target: Target, params: Params): string;
  apply(target: Target, params: Params, prior: PriorState): Promise<void>;
  /** Put `prior` back. Absent for irreversible actions. */
  rollback?(target: Target, params: Params, prior: PriorState): Promise<void>;
  /** Undo side effects that outlive a target that has gone (e.g. an empty cgroup). */
  cleanup?(target: Target, params: Params, prior: PriorState): Promise<void>;
  /** Does the live state show the action in effect (and not changed by someone else since)? */
  isApplied(target: Target, params: Params, prior: PriorState): Promise<boolean>;
  judge(before: Measurement, after: Measurement, target: Target, params: Params): Judgement;
  /** SIMULATE's prediction from the observation; absent or null: no quantitative estimate. */
  estimate?(input: EffectInput): ExpectedEffect | null;
}
