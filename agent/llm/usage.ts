// Token use and outcome of every model request, one row each (agent_llm_usage).
import { writeTx, type Db } from '../../lib/db.js';
import type { GenerateContentResponseUsageMetadata } from '@google/genai';

export type LlmOutcome = 'ok' | 'error' | 'timeout' | 'invalid';

export function recordUsage(db: Db, row: {
  cycleId: number | null; model: string; turn: number; latencyMs: number; outcome: LlmOutcome;
  usage?: GenerateContentResponseUsageMetadata; error?: string;
}): void {
  writeTx(db, () => db.prepare(`INSERT INTO agent_llm_usage
      (ts, cycle_id, model, turn, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, latency_ms, outcome, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    Date.now() / 1000, row.cycleId, row.model, row.turn,
    row.usage?.promptTokenCount ?? null, row.usage?.candidatesTokenCount ?? null,
    row.usage?.thoughtsTokenCount ?? null, row.usage?.totalTokenCount ?? null,
    Math.round(row.latencyMs), row.outcome, row.error?.slice(0, 500) ?? null));
}
