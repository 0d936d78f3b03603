// VERIFY for one or more executed actions: wait for the settle time, measure the
// same window again, ask each action's judge, and roll back what did not hold.
// Kept: helped (or neutral with keepNeutral). Rolled back: worse, neutral, or not
// in effect any more. Those rows are what trips the circuit breaker.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Judgement } from '../actions/types.js';
import { sample } from '../proc/sampler.js';
import type { Executor } from './executor.js';
import { targetFields } from './executor.js';
import { checkIdentity } from './identity.js';
import { reverse } from './reversal.js';
import type { Executed } from './types.js';

export type FinalVerdict = Judgement['verdict'] | 'not_applied' | 'target_gone';

export interface VerifyResult {
  readonly decisionId: number;
  readonly action: string;
  readonly verdict: FinalVerdict;
  readonly kept: boolean;
  readonly status: string;
  readonly auditId: number;
  readonly verification: Record<string, unknown>;
}

export async function verifyExecuted(ex: Executor, items: readonly Executed[], cycleId: number | null, signal?: AbortSignal): Promise<VerifyResult[]> {
  if (items.length === 0) return [];
  await sleep(ex.cfg.settleMs, undefined, { signal });
  const pids = items.flatMap((i) => (i.target.kind === 'process' ? [i.target.pid] : []));
  const after = await sample(ex.cfg.measureMs, pids, signal);
  const results: VerifyResult[] = [];
  for (const it of items) {
    const t = it.target;
    const gone = t.kind === 'process' && 'refusal' in checkIdentity(t.pid, t.startTime);
    let applied = false;
    try { applied = await it.handler.isApplied(t, it.params, it.prior); } catch { applied = false; }
    const j = it.handler.judge(it.before, after, t, it.params);
    const verdict: FinalVerdict = gone && !it.handler.spec.removesTarget ? 'target_gone' : !applied ? 'not_applied' : j.verdict;
    const verification = {
      verdict, applied, metric: j.metric, before: j.before, after: j.after, detail: j.detail,
      settle_ms: ex.cfg.settleMs, window_ms: ex.cfg.measureMs,
    };
    const common = { decisionId: it.decisionId, action: it.handler.spec.name, verdict, verification };
    const keep = verdict === 'helped' || verdict === 'target_gone' || (verdict === 'neutral' && ex.cfg.keepNeutral === true);
    if (keep) {
      if (verdict === 'target_gone') await it.handler.cleanup?.(t, it.params, it.prior).catch(() => undefined);
      const row = ex.audit.append({
        cycleId, refActionId: it.decisionId, action: it.handler.spec.name, params: it.params, decidedBy: 'rules',
        status: 'verified', verification, note: verdict === 'target_gone' ? 'target exited before verification' : j.detail, ...targetFields(t),
      });
      ex.log.info(`verified ${it.handler.spec.name} #${it.decisionId}: ${verdict}`, { detail: j.detail });
      results.push({ ...common, kept: true, status: 'verified', auditId: row.id });
      continue;
    }
    if (!it.handler.rollback) {
      const row = ex.audit.append({
        cycleId, refActionId: it.decisionId, action: it.handler.spec.name, params: it.params, decidedBy: 'rules',
        status: 'verify_failed', verification, note: `${verdict}: ${j.detail}; irreversible, nothing to roll back`, ...targetFields(t),
      });
      results.push({ ...common, kept: true, status: 'verify_failed', auditId: row.id });
      continue;
    }
    const why = verdict === 'neutral' ? 'did not help' : verdict;
    const r = await reverse(ex, it, { status: 'rolled_back', reason: `verification ${why} (${j.detail})`, verification, cycleId });
    results.push({ ...common, kept: false, status: r.status, auditId: r.auditId });
  }
  return results;
}
