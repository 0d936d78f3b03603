// VERIFY for one or more executed actions: wait for the settle time, measure the
// same window again (the victims' harm, agent/proc/harm.ts), ask each action's
// judge, settle an ambiguous comparison with a switchback, and roll back what
// did not hold.
// Kept: helped (or neutral with keepNeutral). Rolled back: worse, neutral, or not
// in effect any more. Those rows are what trips the circuit breaker.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Judgement } from '../actions/types.js';
import { compare, HARMS, settleSwitchback, stats } from '../actions/judge.js';
import { membersOf } from '../actions/process-target.js';
import { measureTarget } from '../proc/measure.js';
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

export const SWITCHBACK_SETTLE_MS = 3_000;

/**
 * An ambiguous first comparison on a cheap, reversible action: revert it, measure
 * (off), re-apply it, measure (on). It helped only if switching it off brought the
 * harm back and switching it on again took it away (judge.ts settleSwitchback).
 * The change ends in effect (re-applied) unless re-applying failed.
 */
async function switchback(ex: Executor, it: Executed, first: Judgement, signal?: AbortSignal): Promise<{ judgement: Judgement; reapplied: boolean; note: string }> {
  const t = it.target;
  const settle = Math.min(ex.cfg.settleMs, SWITCHBACK_SETTLE_MS);
  await it.handler.rollback!(t, it.params, it.prior);
  await sleep(settle, undefined, { signal });
  const off = await measureTarget(ex.cfg.measureMs, t, it.prior, signal);
  try {
    const again = it.handler.check(t, it.params, await it.handler.readPrior(t, it.params));
    if (again) throw new Error(`${again.rule}: ${again.detail}`);
    await it.handler.apply(t, it.params, it.prior);
  } catch (e) {
    return { judgement: { ...first, verdict: 'neutral', detail: `${first.detail}; switchback: re-applying failed (${(e as Error).message}), left reverted` }, reapplied: false, note: 'switchback re-apply failed' };
  }
  await sleep(settle, undefined, { signal });
  const on = await measureTarget(ex.cfg.measureMs, t, it.prior, signal);
  const rule = Object.values(HARMS).find((h) => h.key === first.metric) ?? HARMS.runDelay;
  const sb = compare(stats(off.harm, rule.key), stats(on.harm, rule.key), rule, '', 'switchback: the same action reverted (off) then re-applied (on)');
  const settled = settleSwitchback(first, sb, rule);
  return {
    judgement: {
      ...first, verdict: settled.verdict, effect: settled.effect, sigma: settled.sigma, threshold: settled.threshold, ambiguous: false,
      control: `${first.control}; then ${sb.control}`,
      windows: { ...first.windows, off: sb.windows!.before!, on: sb.windows!.after! },
      detail: `${first.detail}; switchback off -> on: ${sb.detail}; ${settled.how}`,
    },
    reapplied: true, note: 'switchback ran',
  };
}

export async function verifyExecuted(ex: Executor, items: readonly Executed[], cycleId: number | null, signal?: AbortSignal): Promise<VerifyResult[]> {
  if (items.length === 0) return [];
  await sleep(ex.cfg.settleMs, undefined, { signal });
  const afters = await Promise.all(items.map((i) => measureTarget(ex.cfg.measureMs, i.target, i.prior, signal)));
  const results: VerifyResult[] = [];
  for (const [idx, it] of items.entries()) {
    const t = it.target;
    const gone = t.kind === 'process' && 'refusal' in checkIdentity(t.pid, t.startTime);
    let applied = false;
    try { applied = await it.handler.isApplied(t, it.params, it.prior); } catch { applied = false; }
    let j = it.handler.judge(it.before, afters[idx]!, t, it.params);
    let switched: string | null = null;
    if (!gone && applied && j.ambiguous && it.handler.spec.switchback && it.handler.rollback) {
      const sb = await switchback(ex, it, j, signal);
      j = sb.judgement;
      switched = sb.note;
      if (!sb.reapplied) applied = false;
    }
    const verdict: FinalVerdict = gone && !it.handler.spec.removesTarget ? 'target_gone' : !applied ? 'not_applied' : j.verdict;
    const verification = {
      verdict, applied, metric: j.metric, unit: j.unit ?? null, before: j.before, after: j.after,
      effect: j.effect ?? null, sigma: j.sigma ?? null, threshold: j.threshold ?? null,
      control: j.control ?? null, windows: j.windows ?? null, ...(switched ? { switchback: switched } : {}),
      detail: j.detail, mechanism: it.handler.spec.mechanism,
      pids: t.kind === 'process' ? membersOf(t, it.prior).map((m) => m.pid) : [],
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
