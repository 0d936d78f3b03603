// The executor: the one place actions happen. Whatever decided (rules, a model, a
// person approving), every rule is checked here, in this order, and every outcome
// is an audit row:
//   catalogue -> parameters -> target ref -> identity -> protection -> live-state
//   check -> mechanism applies here -> cooldown and hourly budget -> dry-run / circuit breaker -> approval ->
//   before-measurement -> identity again -> prior state recorded -> act.
import type { Logger } from 'winston';
import type { Db } from '../../lib/db.js';
import { lookupAction, validateParams } from '../actions/catalogue.js';
import { targetKey, type ActionHandler, type Params, type PriorState, type Refusal, type Target } from '../actions/types.js';
import { AuditLog, type AuditEntry } from '../audit/audit-log.js';
import { measureTarget } from '../proc/measure.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { checkIdentity, withBoot } from './identity.js';
import { ProtectionPolicy } from './protected.js';
import { checkRateLimits } from './rate-limits.js';
import type { ExecContext, ExecOutcome, ExecutorConfig, Proposal } from './types.js';

const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 80);
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function targetFields(t: Target): Partial<AuditEntry> {
  return {
    targetRef: t.ref,
    targetKey: targetKey(t),
    targetPid: t.kind === 'process' ? t.pid : null,
    targetStartTime: t.kind === 'process' ? t.startTime : null,
    targetComm: t.kind === 'process' ? t.comm : null,
  };
}

interface Prepared {
  readonly handler: ActionHandler;
  readonly params: Params;
  readonly target: Target;
  readonly prior: PriorState;
  readonly tf: Partial<AuditEntry>;
}

export class Executor {
  readonly audit: AuditLog;
  readonly breaker: CircuitBreaker;
  readonly protection: ProtectionPolicy;

  constructor(readonly db: Db, readonly cfg: ExecutorConfig, readonly log: Logger) {
    // The chain head goes to the log too: truncating the table's tail then shows against it.
    this.audit = new AuditLog(db, (r) => log.info(`audit #${r.id} ${r.action} ${r.status}`, { head: r.hash }));
    this.breaker = new CircuitBreaker(db, cfg.breaker);
    this.protection = new ProtectionPolicy(cfg.denyList, cfg.scopePid, cfg.denyUids);
  }

  /** Identity and protection: the two rules re-checked right before acting. */
  gate(t: Target): Refusal | null {
    if (t.kind !== 'process') return null;
    const id = checkIdentity(t.pid, t.startTime);
    if ('refusal' in id) return id.refusal;
    const why = this.protection.reason(id.stat);
    if (why) return { rule: 'protected_target', detail: `pid ${t.pid} is protected (${why})` };
    // The workload is acted on as one: every member still running must be one we may touch.
    for (const m of t.members ?? []) {
      if (m.pid === t.pid) continue;
      const mid = checkIdentity(m.pid, m.startTime);
      if ('refusal' in mid) continue; // exited: the action skips it
      const mwhy = this.protection.reason(mid.stat);
      if (mwhy) return { rule: 'protected_target', detail: `pid ${m.pid} of the workload is protected (${mwhy})` };
    }
    return null;
  }

  resolveTarget(h: ActionHandler, params: Params, ctx: ExecContext): { target: Target } | { refusal: Refusal } {
    switch (h.spec.targetKind) {
      case 'sysctl': return { target: { kind: 'sysctl', ref: String(params.key), key: String(params.key) } };
      case 'system': return { target: { kind: 'system', ref: 'system' } };
      case 'process': {
        const ref = String(params.target);
        const e = ctx.targets.get(ref);
        if (!e) return { refusal: { rule: 'unknown_target', detail: `target ${show(ref)} is not one this cycle observed` } };
        return { target: { kind: 'process', ref, pid: e.pid, startTime: e.startTime, comm: e.comm, ...(e.members ? { members: e.members } : {}) } };
      }
    }
  }

  /**
   * Every rule that does not need acting: catalogue, parameters, target, identity,
   * protection, live-state check, rate limits. Shared by execute and precheck.
   */
  private async prepare(p: Proposal, ctx: ExecContext): Promise<Prepared | { refusal: Refusal; extra: Partial<AuditEntry> }> {
    const handler = lookupAction(p.action);
    if (!handler) return { refusal: { rule: 'unknown_action', detail: `${show(p.action)} is not in the action catalogue` }, extra: {} };
    const v = validateParams(handler, p.params);
    if ('refusal' in v) return { refusal: v.refusal, extra: {} };
    const params = v.params;
    const r = this.resolveTarget(handler, params, ctx);
    if ('refusal' in r) return { refusal: r.refusal, extra: {} };
    const target = r.target;
    const tf = targetFields(target);
    const gate = this.gate(target);
    if (gate) return { refusal: gate, extra: tf };
    let prior: PriorState;
    try {
      prior = await handler.readPrior(target, params);
    } catch (e) {
      return { refusal: { rule: 'prior_state_unreadable', detail: errText(e) }, extra: tf };
    }
    const check = handler.check(target, params, prior) ?? handler.applies?.(target, params) ?? null;
    if (check) return { refusal: check, extra: { ...tf, priorState: prior } };
    const limit = checkRateLimits(this.db, this.cfg.limits, targetKey(target), Date.now() / 1000);
    if (limit) return { refusal: limit, extra: { ...tf, priorState: prior } };
    return { handler, params, target, prior, tf };
  }

  /** Would the executor accept this now? Nothing is written or changed. */
  async precheck(p: Proposal, ctx: ExecContext): Promise<Refusal | null> {
    const r = await this.prepare(p, ctx);
    return 'refusal' in r ? r.refusal : null;
  }

  async execute(p: Proposal, ctx: ExecContext, signal?: AbortSignal): Promise<ExecOutcome> {
    const base: Omit<AuditEntry, 'status'> = {
      cycleId: ctx.cycleId,
      refActionId: ctx.approvalOf ?? null,
      action: typeof p.action === 'string' ? p.action : show(p.action),
      params: p.params,
      decidedBy: p.decidedBy,
      model: p.model ?? null,
      justification: p.justification,
      expectedEffect: p.expectedEffect,
      confidence: p.confidence,
      signalIds: p.signalIds,
    };
    const refuse = (refusal: Refusal, extra: Partial<AuditEntry> = {}): ExecOutcome => {
      const row = this.audit.append({ ...base, ...extra, status: 'refused', refusedRule: refusal.rule, note: refusal.detail });
      this.log.info(`refused ${base.action}: ${refusal.rule}`, { id: row.id, detail: refusal.detail, decided_by: p.decidedBy });
      return { status: 'refused', auditId: row.id, refusal };
    };

    const prep = await this.prepare(p, ctx);
    if ('refusal' in prep) return refuse(prep.refusal, prep.extra);
    const { handler, params, target, tf } = prep;
    let prior = prep.prior;

    const description = handler.describe(target, params);
    const breaker = this.breaker.state();
    if (this.cfg.dryRun || breaker.open) {
      const note = this.cfg.dryRun ? `dry-run: would ${description}` : `circuit breaker open (${breaker.reason}): would ${description}`;
      const row = this.audit.append({ ...base, ...tf, params, status: 'dry_run', priorState: withBoot(prior), note });
      this.log.info(`dry-run ${handler.spec.name}`, { id: row.id, target: target.ref, would: description });
      return { status: 'dry_run', auditId: row.id, description, prior, note };
    }
    if ((handler.spec.needsApproval || ctx.queueOnly) && ctx.approvalOf === undefined) {
      const row = this.audit.append({ ...base, ...tf, params, status: 'pending_approval', priorState: withBoot(prior), note: `needs approval (risk ${handler.spec.risk}): would ${description}` });
      this.log.info(`pending approval ${handler.spec.name}`, { id: row.id, target: target.ref });
      return { status: 'pending_approval', auditId: row.id, description, prior };
    }

    const before = await measureTarget(this.cfg.measureMs, target, prior, signal);
    // An action VERIFY cannot judge is not taken: with no victim measurable in the
    // before window (no other I/O on the workload's disks, say), any effect would be
    // rolled back as neutral after the target had paid for it.
    const unjudged = this.cfg.actWithoutVictim ? null : handler.judge(before, before, target, params);
    if (unjudged && unjudged.before === null) {
      return refuse({ rule: 'no_measurable_victim', detail: `VERIFY could not judge it: ${unjudged.detail}` }, { ...tf, priorState: prior });
    }
    // The window took time: re-check who the target is and what its state is now.
    const again = this.gate(target);
    if (again) return refuse(again, { ...tf, priorState: prior });
    prior = await handler.readPrior(target, params);
    const recheck = handler.check(target, params, prior);
    if (recheck) return refuse(recheck, { ...tf, priorState: prior });

    const intent = this.audit.append({ ...base, ...tf, params, status: ctx.approvalOf === undefined ? 'executing' : 'approved', priorState: withBoot(prior), note: description });
    const decisionId = ctx.approvalOf ?? intent.id;
    // Writing the intent took time: the same process, immediately before the syscall.
    const last = target.kind === 'process' ? checkIdentity(target.pid, target.startTime) : null;
    if (last && 'refusal' in last) {
      const row = this.audit.append({ ...base, ...tf, params, refActionId: decisionId, status: 'failed', refusedRule: last.refusal.rule, note: `nothing done: ${last.refusal.detail}` });
      this.log.warn(`not done ${handler.spec.name}: ${last.refusal.detail}`, { id: decisionId });
      return { status: 'failed', auditId: row.id, decisionId, error: last.refusal.detail };
    }
    try {
      await handler.apply(target, params, prior);
    } catch (e) {
      const row = this.audit.append({ ...base, ...tf, params, refActionId: decisionId, status: 'failed', note: errText(e) });
      this.log.warn(`failed ${handler.spec.name}: ${errText(e)}`, { id: decisionId });
      return { status: 'failed', auditId: row.id, decisionId, error: errText(e) };
    }
    this.audit.append({ ...base, ...tf, params, refActionId: decisionId, status: 'executed', note: description });
    this.log.info(`executed ${handler.spec.name}`, { id: decisionId, target: target.ref, did: description });
    return { status: 'executed', decisionId, handler, target, params, prior, before, description };
  }
}
