// Putting prior state back: after a failed verification (rolled_back), on a
// person's request (undone), or when the agent stops with --restore-on-exit or a
// pause runs out (restored). The target's identity is re-checked first, and a
// change that is no longer ours (someone else changed the value since) is left
// alone rather than overwritten.
import { lookupAction } from '../actions/catalogue.js';
import type { ActionHandler, Params, PriorState, Refusal, Target } from '../actions/types.js';
import type { AuditRow, AuditStatus } from '../audit/audit-log.js';
import type { Executor } from './executor.js';
import { targetFields } from './executor.js';
import { checkBoot, checkIdentity, splitBoot } from './identity.js';

export interface Change {
  readonly decisionId: number;
  readonly handler: ActionHandler;
  readonly target: Target;
  readonly params: Params;
  readonly prior: PriorState;
  /** The boot the prior state was read in (absent on rows recorded before it was kept). */
  readonly bootId?: string;
}

export interface ReversalResult {
  readonly status: AuditStatus;
  readonly auditId: number;
  readonly restored: boolean;
  readonly note: string;
}

/** Rebuild a change from its audit rows (for undo and restore, outside the cycle that made it). */
export function changeFromAudit(ex: Executor, decision: AuditRow): Change | { refusal: Refusal } {
  const handler = lookupAction(decision.action);
  if (!handler) return { refusal: { rule: 'unknown_action', detail: `${decision.action} is not in the catalogue` } };
  const recorded = ex.audit.priorState(decision.id);
  if (!recorded) return { refusal: { rule: 'no_prior_state', detail: `decision ${decision.id} has no recorded prior state` } };
  const params = JSON.parse(decision.params_json) as Params;
  let target: Target;
  if (handler.spec.targetKind === 'process') {
    if (decision.target_pid === null || decision.target_start_time === null) return { refusal: { rule: 'unknown_target', detail: 'no process identity recorded' } };
    target = { kind: 'process', ref: decision.target_ref ?? '?', pid: decision.target_pid, startTime: decision.target_start_time, comm: decision.target_comm ?? '' };
  } else if (handler.spec.targetKind === 'sysctl') {
    target = { kind: 'sysctl', ref: String(params.key), key: String(params.key) };
  } else {
    target = { kind: 'system', ref: 'system' };
  }
  const { prior, bootId } = splitBoot(recorded);
  return { decisionId: decision.id, handler, target, params, prior, ...(bootId === undefined ? {} : { bootId }) };
}

export interface ReverseOptions {
  readonly status: 'rolled_back' | 'undone' | 'restored';
  readonly reason: string;
  readonly verification?: unknown;
  readonly decidedBy?: 'rules' | 'model' | 'operator';
  readonly cycleId?: number | null;
  /** When the change is no longer in effect: refuse (undo) or just record it (rollback, restore). */
  readonly refuseIfNotApplied?: boolean;
}

export async function reverse(ex: Executor, c: Change, o: ReverseOptions): Promise<ReversalResult> {
  const base = {
    cycleId: o.cycleId ?? null,
    refActionId: c.decisionId,
    action: c.handler.spec.name,
    params: c.params,
    decidedBy: o.decidedBy ?? 'rules',
    priorState: c.prior,
    verification: o.verification,
    ...targetFields(c.target),
  } as const;
  const record = (status: AuditStatus, note: string, restored: boolean, refusedRule?: string): ReversalResult => {
    const row = ex.audit.append({ ...base, status, note, refusedRule: refusedRule ?? null });
    ex.log.info(`${status} ${c.handler.spec.name} #${c.decisionId}: ${note}`);
    return { status, auditId: row.id, restored, note };
  };
  if (!c.handler.rollback) return record('refused', `${c.handler.spec.name} cannot be reversed`, false, 'irreversible');
  if (c.handler.spec.reverseOnlyOnRequest && o.decidedBy !== 'operator') {
    // Kept in effect: VERIFY records it as failed-but-kept, a restore as a refusal; an operator can still undo it.
    const note = `${o.reason}; left as is: reversing ${c.handler.spec.name} is done only when an operator asks (undo)`;
    return o.status === 'rolled_back' ? record('verify_failed', note, false) : record('refused', note, false, 'needs_operator');
  }
  // Across a reboot nothing the change named exists any more (a pid and start time may even match a new process).
  const boot = checkBoot(c.bootId);
  if (boot) {
    if (o.refuseIfNotApplied) return record('refused', `${o.reason}: ${boot.detail}; nothing done`, false, boot.rule);
    return record(o.status, `${o.reason}; ${boot.detail}: nothing to restore, nothing done`, false);
  }
  /** The target is no longer the process that was changed: touch nothing of the new one. */
  const gone = async (refusal: Refusal): Promise<ReversalResult> => {
    await c.handler.cleanup?.(c.target, c.params, c.prior).catch(() => undefined);
    if (o.refuseIfNotApplied) return record('refused', `${o.reason}: ${refusal.detail}; nothing done`, false, refusal.rule);
    return record(o.status, `${o.reason}; target gone (${refusal.detail}), nothing to restore`, false);
  };
  if (c.target.kind === 'process') {
    const id = checkIdentity(c.target.pid, c.target.startTime);
    if ('refusal' in id) return gone(id.refusal);
  }
  let applied = false;
  try { applied = await c.handler.isApplied(c.target, c.params, c.prior); } catch { applied = false; }
  if (!applied) {
    await c.handler.cleanup?.(c.target, c.params, c.prior).catch(() => undefined);
    if (o.refuseIfNotApplied) return record('refused', `${o.reason}: the change is no longer in effect (changed since); left as is`, false, 'state_changed');
    return record(o.status, `${o.reason}; the change is no longer in effect (changed since); left as is`, false);
  }
  // isApplied took time: the same process, immediately before the syscall.
  if (c.target.kind === 'process') {
    const id = checkIdentity(c.target.pid, c.target.startTime, c.bootId);
    if ('refusal' in id) return gone(id.refusal);
  }
  try {
    await c.handler.rollback(c.target, c.params, c.prior);
  } catch (e) {
    return record('rollback_failed', `${o.reason}; rollback failed: ${e instanceof Error ? e.message : String(e)}`, false);
  }
  return record(o.status, `${o.reason}; prior state restored: ${JSON.stringify(c.prior).slice(0, 200)}`, true);
}

export const RECONCILE_REASON = 'reconciled after agent restart: unverified';

/**
 * At agent start: every change a previous run made and never verified (it was
 * killed between EXECUTE and VERIFY, or mid-act) is rolled back if still in
 * effect, else recorded as not in effect. Either way a row says so, and the
 * decision stops being unverified. Irreversible actions are left, with a log line.
 */
export async function reconcileUnverified(ex: Executor): Promise<ReversalResult[]> {
  const out: ReversalResult[] = [];
  const now = Date.now() / 1000;
  // An approval runs its own VERIFY in the process that approved it (chat, npm run
  // actions): while that window may still be open, it is not ours to reconcile.
  const verifyWindowS = (ex.cfg.settleMs + ex.cfg.measureMs) / 1000 + 60;
  for (const d of ex.audit.unverified()) {
    const lastTs = ex.audit.history(d.id).at(-1)?.ts ?? d.ts;
    if (d.status === 'pending_approval' && now - lastTs < verifyWindowS) {
      ex.log.info(`decision #${d.id} (${d.action}) was approved ${Math.round(now - lastTs)} s ago and may still be verifying in the approving process: left to it`);
      continue;
    }
    const c = changeFromAudit(ex, d);
    if ('refusal' in c) {
      const row = ex.audit.append({ refActionId: d.id, action: d.action, status: 'rolled_back', decidedBy: 'rules', note: `${RECONCILE_REASON}; nothing to reverse (${c.refusal.rule}: ${c.refusal.detail})` });
      out.push({ status: 'rolled_back', auditId: row.id, restored: false, note: row.note ?? '' });
      continue;
    }
    if (!c.handler.rollback) { ex.log.warn(`decision #${d.id} (${d.action}) was never verified and cannot be reversed`); continue; }
    out.push(await reverse(ex, c, { status: 'rolled_back', reason: RECONCILE_REASON }));
  }
  return out;
}
