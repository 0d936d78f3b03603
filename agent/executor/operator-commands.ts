// Approve and undo as a person asks for them (chat's /approve and /undo, the
// dashboard's buttons), answered in words. The asking reader does not make the
// change itself. It hands the audited decision to the agent's executor
// (agent/executor/approvals.ts), which re-checks every rule (catalogue, params,
// target identity, protection, live state, cooldown and budget, circuit breaker)
// and writes the audit rows. The rules are the agent's own: the policy it wrote
// next to the database (agent/executor/policy.ts), which chat's flags can only
// narrow. The write handle is opened for that call only; the rest of chat reads
// through its read-only handle.
import fs from 'node:fs';
import { approveAction, undoAction, type ApprovalResult } from './approvals.js';
import { RemotePort } from './client.js';
import type { ReversalResult } from './reversal.js';
import type { ChainStatus } from './port.js';
import { AuditLog } from '../audit/audit-log.js';
import { executorSocket } from './wire.js';
import { operatorPolicy, type PolicyOverrides } from './policy.js';
import type { ExecutorConfig } from './types.js';
import { openDatabase, type Db } from '../../lib/db.js';
import type { Logger } from '../../lib/logger.js';
import { escapeUntrusted } from '../../lib/sanitize.js';

export interface OperatorConfig {
  readonly dbFile: string;
  readonly log: Logger;
  /** Added to the agent's policy: more names denied, a scope, VERIFY's windows. */
  readonly overrides: PolicyOverrides;
  /** Who asked, for the audit trail: 'chat', 'web', ... */
  readonly by: string;
}

const clean = (s: string) => escapeUntrusted(s, 400);

/** Run one operator command under the agent's policy; the reply says which policy that was. */
async function underPolicy(cfg: OperatorConfig, what: string, run: (db: Db, config: ExecutorConfig) => Promise<string>): Promise<string> {
  let policy;
  try {
    policy = operatorPolicy(cfg.dbFile, cfg.overrides);
  } catch (e) {
    return `Cannot ${what}: ${clean((e as Error).message)}`;
  }
  let reply: string;
  let db: Db | undefined;
  try {
    db = openDatabase(cfg.dbFile); // e.g. a 0600 database and a non-root operator: say so, with the policy
    reply = await run(db, policy.config);
  } catch (e) {
    reply = `Cannot ${what}: ${clean((e as Error).message)}`;
  } finally {
    db?.close();
  }
  return `${reply}\n(${clean(policy.notice)})`;
}

/**
 * When the root executor runs (npm start as root), the person's command goes to
 * it: this process may hold no privilege (the dashboard runs as kernelsight),
 * and the executor applies its own policy. Otherwise, here, under the agent's.
 */
async function viaExecutor<T>(dbFile: string, call: (p: RemotePort) => Promise<T>): Promise<T | undefined> {
  const socket = executorSocket(dbFile);
  if (!fs.existsSync(socket)) return undefined;
  const port = await RemotePort.connect(socket);
  try { return await call(port); } finally { await port.close(); }
}

/** The audit chain's status, from the executor when it runs (it alone reads the key), else checked here. */
export async function chainStatus(dbFile: string, db: Db): Promise<ChainStatus> {
  try {
    const remote = await viaExecutor(dbFile, (p) => p.chain());
    if (remote) return remote;
    const r = new AuditLog(db).verifyChain();
    return { ok: r.ok, rows: r.rows, ...(r.reason ? { reason: r.reason } : {}) };
  } catch (e) {
    return { ok: false, rows: 0, reason: clean((e as Error).message) };
  }
}

async function remoteOrLocal<T>(cfg: OperatorConfig, what: string, remote: (p: RemotePort) => Promise<T>, local: (db: Db, config: ExecutorConfig) => Promise<T>, reply: (r: T) => string): Promise<string> {
  let r: T | undefined;
  try {
    r = await viaExecutor(cfg.dbFile, remote);
  } catch (e) {
    return `Cannot ${what}: ${clean((e as Error).message)}`;
  }
  if (r !== undefined) return `${reply(r)}\n(the executor's policy)`;
  return underPolicy(cfg, what, async (db, config) => reply(await local(db, config)));
}

export function approve(cfg: OperatorConfig, id: number, signal?: AbortSignal): Promise<string> {
  return remoteOrLocal<ApprovalResult>(cfg, `approve #${id}`, (p) => p.approve(id, cfg.by),
    (db, config) => approveAction(db, id, { by: cfg.by, log: cfg.log, config, signal }), (r) => {
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
  });
}

export function undo(cfg: OperatorConfig, id: number): Promise<string> {
  return remoteOrLocal<ReversalResult>(cfg, `undo #${id}`, (p) => p.undo(id, cfg.by),
    (db, config) => undoAction(db, id, { by: cfg.by, log: cfg.log, config }), (r) => {
    cfg.log.info(`undo #${id}: ${r.status}`, { audit: r.auditId });
    return r.status === 'undone'
      ? `Undone #${id}: ${clean(r.note)} (audit row #${r.auditId}).`
      : `Not undone (${r.status}): ${clean(r.note)} (audit row #${r.auditId}).`;
  });
}
