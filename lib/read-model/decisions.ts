// The agent's audit trail (agent_actions, lib/migrations/004_agent.ts) and its
// cycles as readers see them. A decision is a row with ref_action_id NULL; every
// later change to it is another row pointing back to it. Times are epoch seconds.
import { tableExists, type Db } from '../db.js';
import { parseJson } from './json.js';

export type AuditStatus =
  | 'executing' | 'executed' | 'dry_run' | 'refused' | 'failed' | 'pending_approval' | 'approved'
  | 'verified' | 'verify_failed' | 'rolled_back' | 'rollback_failed' | 'undone' | 'restored';

export type DecidedBy = 'rules' | 'model' | 'operator';

/** One agent_actions row, every column. */
/**
 * SQL for the latest status of decision row `a` (its newest follow-up that is not
 * a refusal, else its own). The one definition: the audit log and every reader use it.
 */
export const LATEST_STATUS = "COALESCE((SELECT b.status FROM agent_actions b WHERE b.ref_action_id = a.id AND b.status <> 'refused' ORDER BY b.id DESC LIMIT 1), a.status)";

export interface AuditRow {
  id: number;
  ts: number;
  cycle_id: number | null;
  ref_action_id: number | null;
  action: string;
  params_json: string;
  target_ref: string | null;
  target_key: string | null;
  target_pid: number | null;
  target_start_time: number | null;
  target_comm: string | null;
  status: AuditStatus;
  refused_rule: string | null;
  justification: string | null;
  expected_effect: string | null;
  confidence: number | null;
  decided_by: DecidedBy;
  model: string | null;
  prior_state_json: string | null;
  verification_json: string | null;
  signal_ids: string;
  note: string | null;
  prev_hash: string;
  hash: string;
}

export type Decision = AuditRow & { latest_status: AuditStatus };

export function auditRow(db: Db, id: number): AuditRow | undefined {
  if (!tableExists(db, 'agent_actions')) return undefined;
  return db.prepare('SELECT * FROM agent_actions WHERE id = ?').get(id) as AuditRow | undefined;
}

/** The newest row of the trail, decision or update. */
export function lastAuditRow(db: Db): AuditRow | undefined {
  if (!tableExists(db, 'agent_actions')) return undefined;
  return db.prepare('SELECT * FROM agent_actions ORDER BY id DESC LIMIT 1').get() as AuditRow | undefined;
}

/** The decision row and every row appended about it, oldest first. */
export function decisionHistory(db: Db, id: number): AuditRow[] {
  if (!tableExists(db, 'agent_actions')) return [];
  return db.prepare('SELECT * FROM agent_actions WHERE id = ? OR ref_action_id = ? ORDER BY id').all(id, id) as AuditRow[];
}

/**
 * Decision rows, newest first, each with its latest status: its own, or that of the
 * newest row about it. A 'refused' row about a decision records a refused operation
 * on it (an approval or undo a rule stopped), not a change of its state: skipped.
 */
export function decisions(db: Db, limit = 50): Decision[] {
  if (!tableExists(db, 'agent_actions')) return [];
  return db.prepare(`
    SELECT a.*, ${LATEST_STATUS} AS latest_status
    FROM agent_actions a WHERE a.ref_action_id IS NULL ORDER BY a.id DESC LIMIT ?`).all(limit) as Decision[];
}

/** The verification of a decision: its own, else the newest row about it that carries one. */
export function latestVerification(db: Db, d: Pick<AuditRow, 'id' | 'verification_json'>): Record<string, unknown> | null {
  const own = d.verification_json ?? (db.prepare('SELECT verification_json FROM agent_actions WHERE ref_action_id = ? AND verification_json IS NOT NULL ORDER BY id DESC LIMIT 1')
    .get(d.id) as { verification_json: string } | undefined)?.verification_json;
  return own ? parseJson<Record<string, unknown> | null>(own, null) : null;
}

/** Decisions made in [fromS, toS], oldest first, each with its latest status. */
export function decisionsIn(db: Db, w: { readonly fromS: number; readonly toS: number }, limit = 200): Decision[] {
  if (!tableExists(db, 'agent_actions')) return [];
  return db.prepare(`SELECT a.*, ${LATEST_STATUS} AS latest_status FROM agent_actions a
    WHERE a.ref_action_id IS NULL AND a.ts >= ? AND a.ts <= ? ORDER BY a.id LIMIT ?`).all(w.fromS, w.toS, limit) as Decision[];
}

/** Decisions waiting for a person's approval (latest status pending_approval), oldest first. */
export function pendingApprovals(db: Db, limit = 50): Decision[] {
  if (!tableExists(db, 'agent_actions')) return [];
  return db.prepare(`
    SELECT * FROM (SELECT a.*, ${LATEST_STATUS} AS latest_status FROM agent_actions a
      WHERE a.ref_action_id IS NULL AND a.status = 'pending_approval')
    WHERE latest_status = 'pending_approval' ORDER BY id LIMIT ?`).all(limit) as Decision[];
}

export interface CycleRecord {
  readonly id: number;
  readonly started_at: number;
  readonly finished_at: number | null;
  readonly status: string;
  readonly mode: string;
  readonly decided_by: string | null;
}

export function lastCycle(db: Db): CycleRecord | undefined {
  if (!tableExists(db, 'agent_cycles')) return undefined;
  return db.prepare('SELECT id, started_at, finished_at, status, mode, decided_by FROM agent_cycles ORDER BY id DESC LIMIT 1').get() as CycleRecord | undefined;
}
