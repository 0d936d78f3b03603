// Everything the agent loop is configured with, and the defaults.
import { DEFAULT_EXECUTOR_CONFIG, type ExecutorConfig } from './executor/types.js';
import type { ProviderConfig } from '../lib/llm/index.js';
import type { DecideOptions } from './phases/decide.js';
import type { ObserveOptions } from './phases/observe.js';

export interface AgentModelConfig extends ProviderConfig {
  /** Model turns per cycle at most (a refused call may be corrected on the next). */
  readonly maxTurns: number;
}

export interface AgentConfig {
  readonly intervalS: number;
  readonly restoreOnExit: boolean;
  readonly executor: ExecutorConfig;
  readonly observe: ObserveOptions;
  readonly decide: DecideOptions;
  /** Absent: the rules decide. */
  readonly llm?: AgentModelConfig;
  readonly cycleRetentionS: number;
}

export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  intervalS: 60,
  restoreOnExit: false,
  executor: DEFAULT_EXECUTOR_CONFIG,
  observe: { signalMaxAgeS: 600, sampleMs: 1000, historyS: 1800, maxTargets: 12 },
  decide: { maxActions: 2, cooldownS: DEFAULT_EXECUTOR_CONFIG.limits.cooldownS, minScore: 0.05 },
  cycleRetentionS: 7 * 86400,
};
