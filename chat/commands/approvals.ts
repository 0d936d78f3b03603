// /approve and /undo: the only way chat leads to a change, and it does not make
// the change itself. It hands the audited decision to the agent's executor
// (agent/executor/approvals.ts), which re-checks every rule (catalogue, params,
// target identity, protection, live state, cooldown and budget, circuit breaker)
// and writes the audit rows. The write handle is opened for that call only; the
// rest of chat reads through its read-only handle.
import { approveAction, undoAction } from '../../agent/executor/approvals.js';
import { DEFAULT_EXECUTOR_CONFIG, type ExecutorConfig } from '../../agent/executor/types.js';
import { openDatabase } from '../../lib/db.js';
import type { Logger } from '../../lib/logger.js';
import { escapeUntrusted } from '../../lib/sanitize.js';

export interface OperatorConfig {
  readonly dbFile: string;
  readonly log: Logger;
  /** The same executor settings the agent runs with (deny list, settle/measure windows). */
  readonly executor: Partial<ExecutorConfig>;
}

const clean = (s: string) => escapeUntrusted(s, 400);

export async function approve(cfg: OperatorConfig, id: number, signal?: AbortSignal): Promise<string> {
  const db = openDatabase(cfg.dbFile);
  try {
    const r = await approveAction(db, id, { by: 'chat', log: cfg.log, config: { ...DEFAULT_EXECUTOR_CONFIG, ...cfg.executor }, signal });
    const o = r.outcome;
    cfg.log.info(`approve #${id}: ${o.status}`, { audit: o.status === 'executed' ? o.decisionId : o.auditId });
    switch (o.status) {
      case 'refused': return `Not done: the executor refused #${id} (rule ${o.refusal.rule}: ${clean(o.refusal.detail)}). Audit row #${o.auditId}.`;
      case 'failed': return `#${id} was approved but failed: ${clean(o.error)}. Audit row #${o.auditId}.`;
      case 'dry_run': return `#${id} was not executed: ${clean(o.note ?? o.description)} (audit row #${o.auditId}).`;
      case 'pending_approval': return `#${id} is still pending (audit row #${o.auditId}).`;
      case 'executed': {
        const v = r.verification;
        const verdict = v ? ` Verification: ${v.verdict}${v.kept ? ', kept' : ', rolled back'} (${v.status}, audit row #${v.auditId}).` : '';
        return `Approved and executed #${id}: ${clean(o.description)}.${verdict}`;
      }
    }
  } catch (e) {
    return `Cannot approve #${id}: ${clean((e as Error).message)}`;
  } finally {
    db.close();
  }
}

export async function undo(cfg: OperatorConfig, id: number): Promise<string> {
  const db = openDatabase(cfg.dbFile);
  try {
    const r = await undoAction(db, id, { by: 'chat', log: cfg.log, config: { ...DEFAULT_EXECUTOR_CONFIG, ...cfg.executor } });
    cfg.log.info(`undo #${id}: ${r.status}`, { audit: r.auditId });
    return r.status === 'undone'
      ? `Undone #${id}: ${clean(r.note)} (audit row #${r.auditId}).`
      : `Not undone (${r.status}): ${clean(r.note)} (audit row #${r.auditId}).`;
  } catch (e) {
    return `Cannot undo #${id}: ${clean((e as Error).message)}`;
  } finally {
    db.close();
  }
}
