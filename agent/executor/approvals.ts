// Entry points for people (the chat process, `npm run actions`): approve a pending
// decision, undo an executed one, restore everything still in effect. Approval
// re-runs every rule through the executor as if the decision were new, then
// verifies it like the agent would. Nothing here names an action: what differs
// (approval, a bounded lifetime) is declared on the action's spec.
import type { Logger } from 'winston';
import type { Db } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { lookupAction } from '../actions/catalogue.js';
import { Executor } from './executor.js';
import { checkBoot, splitBoot } from './identity.js';
import { changeFromAudit, reverse, type ReversalResult } from './reversal.js';
import { DEFAULT_EXECUTOR_CONFIG, type ExecOutcome, type ExecutorConfig, type TargetEntry } from './types.js';
import type { Member } from '../proc/workload.js';
import { verifyExecuted, type VerifyResult } from './verify-change.js';

export interface OperatorOptions {
  readonly config?: Partial<ExecutorConfig>;
  readonly log?: Logger;
  /** Who approved or undid, for the audit note (e.g. "chat", "cli"). */
  readonly by?: string;
  /** Skip VERIFY after an approval (returns as soon as the action ran). */
  readonly skipVerify?: boolean;
  readonly signal?: AbortSignal;
}

function executorFor(db: Db, o: OperatorOptions): Executor {
  return new Executor(db, { ...DEFAULT_EXECUTOR_CONFIG, ...o.config }, o.log ?? createLogger('agent'));
}

export interface ApprovalResult {
  readonly outcome: ExecOutcome;
  readonly verification?: VerifyResult;
}

/** Refusal recorded as a row referencing the decision, so the audit shows the attempt. */
function refuseOp(ex: Executor, id: number, action: string, rule: string, note: string): Extract<ExecOutcome, { status: 'refused' }> {
  const row = ex.audit.append({ refActionId: id, action, status: 'refused', refusedRule: rule, note, decidedBy: 'operator' });
  return { status: 'refused', auditId: row.id, refusal: { rule, detail: note } };
}

export async function approveAction(db: Db, id: number, o: OperatorOptions = {}): Promise<ApprovalResult> {
  const ex = executorFor(db, o);
  const d = ex.audit.get(id);
  if (!d || d.ref_action_id !== null) throw new Error(`no decision with id ${id} in the audit`);
  const latest = ex.audit.latestStatus(id);
  if (latest !== 'pending_approval') return { outcome: refuseOp(ex, id, d.action, 'not_pending', `decision ${id} is ${latest}, not pending_approval`) };
  // A pending decision names a process of the boot it was made in: after a reboot its pid may be someone else's.
  const boot = checkBoot(splitBoot(JSON.parse(d.prior_state_json ?? '{}') as Record<string, unknown>).bootId);
  if (boot) return { outcome: refuseOp(ex, id, d.action, boot.rule, `${boot.detail}; nothing done`) };
  const ageS = Date.now() / 1000 - d.ts;
  if (ageS > ex.cfg.approvalTtlS) return { outcome: refuseOp(ex, id, d.action, 'approval_expired', `decision is ${Math.round(ageS)}s old; approvals expire after ${ex.cfg.approvalTtlS}s`) };
  const params = JSON.parse(d.params_json) as Record<string, unknown>;
  const targets = new Map<string, TargetEntry>();
  if (d.target_pid !== null && d.target_start_time !== null && typeof params.target === 'string') {
    // The workload the decision was made for, as recorded with its prior state (approval acts on the same processes).
    const recorded = (JSON.parse(d.prior_state_json ?? '{}') as { members?: unknown }).members;
    const members = Array.isArray(recorded) ? (recorded as Member[]).filter((m) => Number.isInteger(m?.pid) && Number.isInteger(m?.startTime)) : undefined;
    targets.set(params.target, { pid: d.target_pid, startTime: d.target_start_time, comm: d.target_comm ?? '', ...(members?.length ? { members } : {}) });
  }
  const outcome = await ex.execute({
    action: d.action, params, decidedBy: 'operator', model: d.model,
    justification: `approved by ${o.by ?? 'operator'}: ${d.justification ?? ''}`,
    expectedEffect: d.expected_effect ?? '', confidence: d.confidence ?? 0,
    signalIds: JSON.parse(d.signal_ids) as number[],
  }, { cycleId: d.cycle_id, targets, approvalOf: id }, o.signal);
  if (outcome.status !== 'executed' || o.skipVerify) return { outcome };
  const [verification] = await verifyExecuted(ex, [outcome], d.cycle_id, o.signal);
  return { outcome, verification };
}

export async function undoAction(db: Db, id: number, o: OperatorOptions = {}): Promise<ReversalResult> {
  const ex = executorFor(db, o);
  const d = ex.audit.get(id);
  if (!d || d.ref_action_id !== null) throw new Error(`no decision with id ${id} in the audit`);
  const latest = ex.audit.latestStatus(id);
  if (!latest || !['executed', 'verified', 'verify_failed'].includes(latest)) {
    const row = refuseOp(ex, id, d.action, 'not_in_effect', `decision ${id} is ${latest}: nothing to undo`);
    return { status: 'refused', auditId: row.auditId, restored: false, note: `decision ${id} is ${latest}: nothing to undo` };
  }
  const c = changeFromAudit(ex, d);
  if ('refusal' in c) {
    const row = refuseOp(ex, id, d.action, c.refusal.rule, c.refusal.detail);
    return { status: 'refused', auditId: row.auditId, restored: false, note: c.refusal.detail };
  }
  return reverse(ex, c, { status: 'undone', reason: `undone by ${o.by ?? 'operator'}`, decidedBy: 'operator', refuseIfNotApplied: true });
}

/** Put back every change still in effect (agent stopping with --restore-on-exit). */
export async function restoreAll(ex: Executor, reason: string, filter: (action: string) => boolean = () => true): Promise<ReversalResult[]> {
  const out: ReversalResult[] = [];
  for (const d of ex.audit.inEffect()) {
    if (!filter(d.action)) continue;
    const c = changeFromAudit(ex, d);
    if ('refusal' in c) continue;
    if (!c.handler.rollback) continue;
    out.push(await reverse(ex, c, { status: 'restored', reason }));
  }
  return out;
}

/**
 * Reverse changes that last a bounded time (spec.expiresAfter names the parameter,
 * e.g. a pause's duration_s) once that time has run since they were executed.
 */
export async function expireElapsed(ex: Executor, nowS = Date.now() / 1000): Promise<ReversalResult[]> {
  const out: ReversalResult[] = [];
  for (const d of ex.audit.inEffect()) {
    const param = lookupAction(d.action)?.spec.expiresAfter;
    if (!param) continue;
    const started = ex.audit.history(d.id).find((r) => r.status === 'executed');
    const lasts = Number((JSON.parse(d.params_json) as Record<string, unknown>)[param] ?? 0);
    if (!started || nowS - started.ts < lasts) continue;
    const c = changeFromAudit(ex, d);
    if (!('refusal' in c)) out.push(await reverse(ex, c, { status: 'restored', reason: `${d.action} ran its ${param} of ${lasts}s` }));
  }
  return out;
}
