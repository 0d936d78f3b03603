// Token use and outcome of every model request, one row each (agent_llm_usage),
// whichever provider answered.
import { writeTx, type Db } from '../../lib/db.js';
import type { ModelErrorCode } from '../../lib/llm/errors.js';
import type { Usage } from '../../lib/llm/provider.js';

export type LlmOutcome = 'ok' | 'error' | 'timeout' | 'invalid';

export const outcomeOf = (code: ModelErrorCode): LlmOutcome => (code === 'timeout' ? 'timeout' : code === 'invalid' ? 'invalid' : 'error');

export function recordUsage(db: Db, row: {
  cycleId: number | null; model: string; turn: number; latencyMs: number; outcome: LlmOutcome;
  usage?: Usage; error?: string;
}): void {
  writeTx(db, () => db.prepare(`INSERT INTO agent_llm_usage
      (ts, cycle_id, model, turn, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, latency_ms, outcome, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    Date.now() / 1000, row.cycleId, row.model, row.turn,
    row.usage?.inputTokens ?? null, row.usage?.outputTokens ?? null,
    row.usage?.thoughtTokens ?? null, row.usage?.totalTokens ?? null,
    Math.round(row.latencyMs), row.outcome, row.error?.slice(0, 500) ?? null));
}
