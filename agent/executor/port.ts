// The agent's hands, as its deciding loop sees them: everything that changes the
// host, measures another user's process or writes the audit chain goes through
// this interface, and nothing else in the loop can do any of it. Two
// implementations: LocalPort (this file) holds the executor in the same process
// (`npm run agent` as root, tests); RemotePort (client.ts) sends the same calls to
// the root executor process over its Unix socket (`npm start` as root), so the
// process that talks to a model runs with no privileges at all.
import type { Logger } from 'winston';
import type { Db } from '../../lib/db.js';
import type { Refusal } from '../actions/types.js';
import type { AuditEntry } from '../audit/audit-log.js';
import { approveAction, expireElapsed, restoreAll, undoAction, type ApprovalResult } from './approvals.js';
import type { BreakerState } from './circuit-breaker.js';
import { Executor } from './executor.js';
import { lookAtProcesses, type LookRequest, type ProcessLook } from '../proc/look.js';
import { reconcileUnverified, reverse, type ReversalResult } from './reversal.js';
import type { ExecContext, ExecOutcome, Executed, ExecutorConfig, Proposal } from './types.js';
import { verifyExecuted, type VerifyResult } from './verify-change.js';

export interface OutcomeLine { action: string; status: string; auditId: number; rule?: string; detail?: string }

export interface ExecuteSummary {
  readonly outcomes: OutcomeLine[];
  /** Decisions applied and waiting for VERIFY (verify or abandon them by these ids). */
  readonly executedIds: number[];
}

/** A refusal the agent decided before anything reached the executor (a model reply it could not use). */
export interface DeciderRefusal {
  readonly cycleId: number | null;
  readonly action: 'model_reply';
  readonly refusedRule: string;
  readonly model?: string | null;
  readonly params?: unknown;
  readonly note: string;
}

export interface ActionPort {
  /** OBSERVE's live look at the processes (agent/proc/look.ts): read-only, but reads what only root may. */
  look(req: LookRequest, signal?: AbortSignal): Promise<ProcessLook>;
  breakerState(): Promise<BreakerState>;
  precheck(p: Proposal, ctx: ExecContext): Promise<Refusal | null>;
  refuse(r: DeciderRefusal): Promise<number>;
  /** EXECUTE: at most maxActions of the proposals act; every outcome is audited. */
  execute(proposals: readonly Proposal[], ctx: ExecContext, maxActions: number, signal?: AbortSignal): Promise<ExecuteSummary>;
  verify(decisionIds: readonly number[], cycleId: number | null, signal?: AbortSignal): Promise<VerifyResult[]>;
  /** Roll back applied-but-unverified decisions (the agent is stopping mid-cycle). */
  abandon(decisionIds: readonly number[], reason: string, cycleId: number | null): Promise<void>;
  /** Reverse what has run its bounded time (a pause's duration). */
  expire(): Promise<ReversalResult[]>;
  restore(reason: string): Promise<ReversalResult[]>;
  reconcile(): Promise<ReversalResult[]>;
  approve(id: number, by: string): Promise<ApprovalResult>;
  undo(id: number, by: string): Promise<ReversalResult>;
  /** The audit chain checked with its key (which only the executor may read when it runs). */
  chain(): Promise<ChainStatus>;
  close(): Promise<void>;
}

export interface ChainStatus { readonly ok: boolean; readonly rows: number; readonly reason?: string }

const line = (action: string, o: ExecOutcome): OutcomeLine => ({
  action, status: o.status,
  auditId: o.status === 'executed' ? o.decisionId : o.auditId,
  ...(o.status === 'refused' ? { rule: o.refusal.rule, detail: o.refusal.detail } : {}),
  ...(o.status === 'failed' ? { detail: o.error } : {}),
  ...(o.status === 'dry_run' || o.status === 'pending_approval' ? { detail: o.description } : {}),
});

/** The executor in this process; the root executor process serves one of these on its socket. */
export class LocalPort implements ActionPort {
  readonly executor: Executor;
  /** Applied this run and not yet verified or abandoned, by decision id. */
  private readonly pending = new Map<number, Executed>();

  constructor(private readonly db: Db, cfg: ExecutorConfig, private readonly log: Logger) {
    this.executor = new Executor(db, cfg, log);
  }

  look(req: LookRequest, signal?: AbortSignal): Promise<ProcessLook> { return lookAtProcesses(this.executor.protection, req, signal); }

  async breakerState(): Promise<BreakerState> { return this.executor.breaker.state(); }

  precheck(p: Proposal, ctx: ExecContext): Promise<Refusal | null> { return this.executor.precheck(p, ctx); }

  async refuse(r: DeciderRefusal): Promise<number> {
    const entry: AuditEntry = {
      cycleId: r.cycleId, action: 'model_reply', status: 'refused', refusedRule: String(r.refusedRule).slice(0, 64),
      decidedBy: 'model', model: r.model ?? null, params: r.params ?? {}, note: String(r.note),
    };
    return this.executor.audit.append(entry).id;
  }

  /** A request on the socket that could not be read (server.ts): audited, nothing else done. */
  async refuseRequest(op: string, why: string): Promise<number> {
    return this.executor.audit.append({ action: 'executor_request', status: 'refused', refusedRule: 'bad_request', decidedBy: 'rules', params: { op: op.slice(0, 40) }, note: why }).id;
  }

  async execute(proposals: readonly Proposal[], ctx: ExecContext, maxActions: number, signal?: AbortSignal): Promise<ExecuteSummary> {
    const outcomes: OutcomeLine[] = [];
    const executedIds: number[] = [];
    let acting = 0;
    for (const p of proposals) {
      if (signal?.aborted) break;
      let o: ExecOutcome;
      if (acting >= maxActions) {
        const detail = `at most ${maxActions} actions per cycle`;
        const row = this.executor.audit.append({
          cycleId: ctx.cycleId, action: String(p.action), params: p.params, status: 'refused', refusedRule: 'cycle_action_limit',
          note: detail, decidedBy: p.decidedBy, model: p.model ?? null,
          justification: p.justification, expectedEffect: p.expectedEffect, confidence: p.confidence, signalIds: p.signalIds,
        });
        o = { status: 'refused', auditId: row.id, refusal: { rule: 'cycle_action_limit', detail } };
      } else {
        o = await this.executor.execute(p, ctx, signal);
      }
      if (o.status !== 'refused') acting++;
      if (o.status === 'executed') { this.pending.set(o.decisionId, o); executedIds.push(o.decisionId); }
      outcomes.push(line(String(p.action), o));
    }
    return { outcomes, executedIds };
  }

  private take(ids: readonly number[], keep = false): Executed[] {
    const out: Executed[] = [];
    for (const id of ids) {
      const it = this.pending.get(id);
      if (it) { out.push(it); if (!keep) this.pending.delete(id); }
    }
    return out;
  }

  /** Still pending until VERIFY has settled them: a VERIFY interrupted (abort) leaves them for abandon. */
  async verify(decisionIds: readonly number[], cycleId: number | null, signal?: AbortSignal): Promise<VerifyResult[]> {
    const results = await verifyExecuted(this.executor, this.take(decisionIds, true), cycleId, signal);
    this.take(decisionIds);
    return results;
  }

  async abandon(decisionIds: readonly number[], reason: string, cycleId: number | null): Promise<void> {
    for (const it of this.take(decisionIds)) {
      await reverse(this.executor, it, { status: 'rolled_back', reason, cycleId }).catch((e: Error) => this.log.warn(`rolling back #${it.decisionId}: ${e.message}`));
    }
  }

  /** Everything applied and not yet verified (the executor process stopping). */
  abandonAll(reason: string): Promise<void> { return this.abandon([...this.pending.keys()], reason, null); }

  expire(): Promise<ReversalResult[]> { return expireElapsed(this.executor); }
  restore(reason: string): Promise<ReversalResult[]> { return restoreAll(this.executor, reason); }
  reconcile(): Promise<ReversalResult[]> { return reconcileUnverified(this.executor); }

  approve(id: number, by: string): Promise<ApprovalResult> {
    return approveAction(this.db, id, { by, log: this.log, config: this.executor.cfg });
  }

  undo(id: number, by: string): Promise<ReversalResult> {
    return undoAction(this.db, id, { by, log: this.log, config: this.executor.cfg });
  }

  async chain(): Promise<ChainStatus> {
    const r = this.executor.audit.verifyChain();
    return { ok: r.ok, rows: r.rows, ...(r.reason ? { reason: r.reason } : {}) };
  }

  async close(): Promise<void> { /* the database belongs to the caller */ }
}
