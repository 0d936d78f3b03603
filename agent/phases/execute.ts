// EXECUTE: hand each proposal to the executor, which re-checks every rule and
// audits every outcome. At most maxActions proposals may act in one cycle; the rest
// are refused (and audited) by the cycle limit.
import type { Executor } from '../executor/executor.js';
import type { ExecContext, ExecOutcome, Executed } from '../executor/types.js';
import type { DecidedProposal } from './decide.js';

export interface ExecuteSummary {
  readonly outcomes: Array<{ action: string; status: string; auditId: number; rule?: string; detail?: string }>;
  readonly executed: Executed[];
}

/** `executed` is filled as actions run, so a caller interrupted mid-phase still knows what changed. */
export async function executePhase(
  ex: Executor, proposals: readonly DecidedProposal[], ctx: ExecContext, maxActions: number, executed: Executed[], signal?: AbortSignal,
): Promise<ExecuteSummary> {
  const outcomes: ExecuteSummary['outcomes'] = [];
  let acting = 0;
  for (const p of proposals) {
    if (signal?.aborted) break;
    let o: ExecOutcome;
    if (acting >= maxActions) {
      const row = ex.audit.append({
        cycleId: ctx.cycleId, action: String(p.action), params: p.params, status: 'refused', refusedRule: 'cycle_action_limit',
        note: `at most ${maxActions} actions per cycle`, decidedBy: p.decidedBy, model: p.model ?? null,
        justification: p.justification, expectedEffect: p.expectedEffect, confidence: p.confidence, signalIds: p.signalIds,
      });
      o = { status: 'refused', auditId: row.id, refusal: { rule: 'cycle_action_limit', detail: `at most ${maxActions} actions per cycle` } };
    } else {
      o = await ex.execute(p, ctx, signal);
    }
    if (o.status !== 'refused') acting++;
    if (o.status === 'executed') executed.push(o);
    outcomes.push({
      action: String(p.action), status: o.status,
      auditId: o.status === 'executed' ? o.decisionId : o.auditId,
      ...(o.status === 'refused' ? { rule: o.refusal.rule, detail: o.refusal.detail } : {}),
      ...(o.status === 'failed' ? { detail: o.error } : {}),
      ...(o.status === 'dry_run' || o.status === 'pending_approval' ? { detail: o.description } : {}),
    });
  }
  return { outcomes, executed };
}
