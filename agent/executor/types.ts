// What goes into the executor and what comes out.
import type { ActionHandler, Measurement, Params, PriorState, Refusal, Target } from '../actions/types.js';
import type { DecidedBy } from '../audit/audit-log.js';
import type { Member } from '../proc/workload.js';
import type { BreakerConfig } from './circuit-breaker.js';
import type { RateLimits } from './rate-limits.js';

/** An action someone (rules or a model) wants done. Name and params are untrusted. */
export interface Proposal {
  readonly action: string;
  readonly params: unknown;
  readonly justification: string;
  readonly expectedEffect: string;
  readonly confidence: number;
  readonly decidedBy: DecidedBy;
  readonly model?: string | null;
  readonly signalIds: readonly number[];
}

/** A process the cycle observed, behind the opaque reference the decider saw. */
export interface TargetEntry {
  readonly pid: number; readonly startTime: number; readonly comm: string;
  /** The workload the process belongs to (itself included), acted on as one. */
  readonly members?: readonly Member[];
}

export interface ExecContext {
  readonly cycleId: number | null;
  readonly targets: ReadonlyMap<string, TargetEntry>;
  /** Set when a person approves a pending decision: rows reference it instead of opening a new one. */
  readonly approvalOf?: number;
  /** A proposal from outside the agent (an MCP client): every check runs, then it waits for a person's approval, whatever the action. */
  readonly queueOnly?: boolean;
}

export interface ExecutorConfig {
  readonly dryRun: boolean;
  readonly denyList: readonly string[];
  /** Real uids whose processes are never touched (a uid is not something a process can choose). */
  readonly denyUids?: readonly number[];
  /** Only descendants of this pid may be acted on (unset: the whole host). */
  readonly scopePid?: number;
  readonly limits: RateLimits;
  readonly breaker: BreakerConfig;
  /** Wait after acting before measuring again. */
  readonly settleMs: number;
  /** Length of each before/after measurement window. */
  readonly measureMs: number;
  /** A pending approval older than this is refused (the situation it was for has moved on). */
  readonly approvalTtlS: number;
  /**
   * Keep an action whose verification was neutral (applied, no measurable change).
   * Off by default: the safety model rolls back what did not help.
   */
  readonly keepNeutral?: boolean;
  /**
   * Take an action even when its victims show nothing measurable in the before
   * window (VERIFY could only call it neutral). Off by default: refused
   * no_measurable_victim. Tests of an action's mechanics on idle processes set it.
   */
  readonly actWithoutVictim?: boolean;
}

export const DEFAULT_EXECUTOR_CONFIG: ExecutorConfig = {
  dryRun: false,
  denyList: [],
  limits: { cooldownS: 600, hourlyBudget: 6 },
  breaker: { threshold: 3, windowS: 3600, cooloffS: 3600 },
  settleMs: 15_000,
  measureMs: 3_000,
  approvalTtlS: 1800,
  keepNeutral: false,
};

export interface Executed {
  readonly status: 'executed';
  /** The decision row every later row refers to. */
  readonly decisionId: number;
  readonly handler: ActionHandler;
  readonly target: Target;
  readonly params: Params;
  readonly prior: PriorState;
  readonly before: Measurement;
  readonly description: string;
}

export type ExecOutcome =
  | { readonly status: 'refused'; readonly auditId: number; readonly refusal: Refusal }
  | { readonly status: 'dry_run' | 'pending_approval'; readonly auditId: number; readonly description: string; readonly prior: PriorState; readonly note?: string }
  | { readonly status: 'failed'; readonly auditId: number; readonly decisionId: number; readonly error: string }
  | Executed;
