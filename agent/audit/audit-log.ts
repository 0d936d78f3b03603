// The append-only audit trail. Every decision is a row; every later change to it
// (executed, verified, rolled back, undone...) is another row pointing back to it
// through ref_action_id. Appends take the write lock up front (BEGIN IMMEDIATE),
// so the agent and the chat process can both append without forking the chain.
// Hashes are keyed (audit.key beside the database) and the chain head is written
// to audit.head inside the same transaction, so the two never disagree.
import { writeTx, type Db } from '../../lib/db.js';
import { escapeUntrusted } from '../../lib/sanitize.js';
import { auditRow, decisionHistory, decisions, LATEST_STATUS, type AuditRow, type AuditStatus, type DecidedBy, type Decision } from '../../lib/read-model/decisions.js';
import { auditFiles, loadOrCreateKey, readHead, readKey, writeHead, type AuditFiles } from './audit-files.js';
import { GENESIS_HASH, rowHash, verifyRows, type ChainReport } from './hash-chain.js';

export type { AuditRow, AuditStatus, DecidedBy };

export interface AuditEntry {
  readonly cycleId?: number | null;
  readonly refActionId?: number | null;
  readonly action: string;
  readonly params?: unknown;
  readonly targetRef?: string | null;
  readonly targetKey?: string | null;
  readonly targetPid?: number | null;
  readonly targetStartTime?: number | null;
  readonly targetComm?: string | null;
  readonly status: AuditStatus;
  readonly refusedRule?: string | null;
  readonly justification?: string | null;
  readonly expectedEffect?: string | null;
  readonly confidence?: number | null;
  readonly decidedBy: DecidedBy;
  readonly model?: string | null;
  readonly priorState?: unknown;
  readonly verification?: unknown;
  readonly signalIds?: readonly number[];
  readonly note?: string | null;
}

/** Stored JSON is capped: parameters can come from a model and be arbitrarily large. */
const MAX_JSON = 4000;
const json = (v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  const s = JSON.stringify(v) ?? 'null';
  return s.length <= MAX_JSON ? s : JSON.stringify({ truncated: escapeUntrusted(s, MAX_JSON) });
};
/**
 * Prior state is ours (read from the kernel by an action, never a model's text) and
 * undo needs all of it (every thread's value): stored whole, never truncated.
 */
const wholeJson = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v) ?? 'null');
const text = (v: string | null | undefined, max: number) => (v === undefined || v === null ? null : escapeUntrusted(v, max));

export class AuditLog {
  /** Null for an in-memory database: nowhere to keep a key or a head, so v1 hashes. */
  private readonly files: AuditFiles | null;
  private key?: Buffer;

  constructor(private readonly db: Db, private readonly onAppend?: (row: AuditRow) => void) {
    this.files = db.memory || !db.name ? null : auditFiles(db.name);
  }

  /** Called under the write lock, so a key created now records exactly which rows predate it. */
  private signingKey(lastId: number): Buffer | undefined {
    if (!this.files) return undefined;
    if (!this.key && !readKey(this.files.keyFile) && this.keyedRows()) {
      // A fresh key now would mark every existing row as predating it, rewritten ones included.
      throw new Error(`the audit key ${this.files.keyFile} is missing but the chain has keyed rows: restore it from a backup; nothing is appended without it`);
    }
    return (this.key ??= loadOrCreateKey(this.files.keyFile, lastId).key);
  }

  private keyedRows(): boolean {
    return this.db.prepare("SELECT 1 FROM agent_actions WHERE hash LIKE 'v2:%' LIMIT 1").get() !== undefined;
  }

  append(e: AuditEntry, nowS = Date.now() / 1000): AuditRow {
    const row = writeTx(this.db, () => {
      const last = this.db.prepare('SELECT id, hash FROM agent_actions ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
      const key = this.signingKey(last?.id ?? 0);
      const r: AuditRow = {
        id: (last?.id ?? 0) + 1,
        ts: nowS,
        cycle_id: e.cycleId ?? null,
        ref_action_id: e.refActionId ?? null,
        action: escapeUntrusted(e.action, 64),
        params_json: json(e.params ?? {})!,
        target_ref: text(e.targetRef, 64),
        target_key: e.targetKey ?? null,
        target_pid: e.targetPid ?? null,
        target_start_time: e.targetStartTime ?? null,
        target_comm: text(e.targetComm, 64),
        status: e.status,
        refused_rule: e.refusedRule ?? null,
        justification: text(e.justification, 1000),
        expected_effect: text(e.expectedEffect, 1000),
        confidence: e.confidence === undefined || e.confidence === null ? null : Math.round(e.confidence * 1000) / 1000,
        decided_by: e.decidedBy,
        model: e.model ?? null,
        prior_state_json: wholeJson(e.priorState),
        verification_json: json(e.verification),
        signal_ids: JSON.stringify(e.signalIds ?? []),
        note: text(e.note, 1000),
        prev_hash: last?.hash ?? GENESIS_HASH,
        hash: '',
      };
      r.hash = rowHash(r.prev_hash, r, key);
      const cols = Object.keys(r);
      this.db.prepare(`INSERT INTO agent_actions (${cols.join(',')}) VALUES (${cols.map((c) => `@${c}`).join(',')})`).run(r);
      // Still under the write lock: the head file follows the table in commit order.
      if (this.files) writeHead(this.files.headFile, { id: r.id, hash: r.hash });
      return r;
    });
    this.onAppend?.(row);
    return row;
  }

  get(id: number): AuditRow | undefined {
    return auditRow(this.db, id);
  }

  /** The decision row and every row appended about it, oldest first. */
  history(id: number): AuditRow[] {
    return decisionHistory(this.db, id);
  }

  /**
   * The newest status of a decision: its own, or the latest row referencing it.
   * A 'refused' row referencing a decision records a refused operation on it (an
   * approval or undo that a rule stopped), not a change of its state, so it is skipped.
   */
  latestStatus(id: number): AuditStatus | undefined {
    const r = this.db.prepare("SELECT status FROM agent_actions WHERE id = ? OR (ref_action_id = ? AND status <> 'refused') ORDER BY id DESC LIMIT 1").get(id, id) as { status: AuditStatus } | undefined;
    return r?.status;
  }

  /** Decision rows (ref_action_id IS NULL), newest first, with their latest status. */
  decisions(limit = 50): Decision[] {
    return decisions(this.db, limit);
  }

  /** Executed decisions whose latest status says the change is still in effect. */
  inEffect(): AuditRow[] {
    return this.db.prepare(`
      SELECT a.* FROM agent_actions a
      WHERE a.ref_action_id IS NULL AND a.status IN ('executing', 'pending_approval')
        AND ${LATEST_STATUS} IN ('executed', 'verified', 'verify_failed')
      ORDER BY a.id DESC`).all() as AuditRow[];
  }

  /**
   * Decisions that acted (or were about to) and never reached a verdict: the latest
   * status is executing, approved or executed. Outside a running cycle, these are
   * what a killed agent left behind.
   */
  unverified(): AuditRow[] {
    return this.db.prepare(`
      SELECT a.* FROM agent_actions a
      WHERE a.ref_action_id IS NULL AND a.status IN ('executing', 'pending_approval')
        AND ${LATEST_STATUS}
          IN ('executing', 'approved', 'executed')
      ORDER BY a.id`).all() as AuditRow[];
  }

  /** The prior state recorded before the decision acted (on its executing or approved row). */
  priorState(id: number): Record<string, unknown> | undefined {
    const r = this.db.prepare(`SELECT prior_state_json FROM agent_actions
      WHERE (id = ? OR ref_action_id = ?) AND status IN ('executing', 'approved') AND prior_state_json IS NOT NULL
      ORDER BY id DESC LIMIT 1`).get(id, id) as { prior_state_json: string } | undefined;
    return r ? (JSON.parse(r.prior_state_json) as Record<string, unknown>) : undefined;
  }

  /** The table's chain, checked with the key, then against the head file. */
  verifyChain(): ChainReport {
    const key = this.files ? readKey(this.files.keyFile) : undefined;
    if (this.files && !key && this.keyedRows()) {
      return { ok: false, rows: 0, headHash: '', reason: `the audit key ${this.files.keyFile} is missing, but the chain has keyed rows: it cannot be verified (restore the key)` };
    }
    const r = verifyRows(this.db.prepare('SELECT * FROM agent_actions ORDER BY id').iterate() as Iterable<AuditRow>, key?.key, key?.legacyThrough);
    if (!r.ok || !this.files) return r;
    const head = readHead(this.files.headFile);
    if (!head) return key ? { ...r, ok: false, reason: `the chain head file ${this.files.headFile} is missing` } : r;
    if (r.lastId !== head.id) {
      return { ...r, ok: false, brokenAt: head.id, reason: `the table ends at row ${r.lastId ?? 'none'} but ${this.files.headFile} records row ${head.id} (rows were removed from the tail, or the head was replaced)` };
    }
    if (r.headHash !== head.hash) return { ...r, ok: false, brokenAt: head.id, reason: `row ${head.id}'s hash differs from the one in ${this.files.headFile} (the chain was rewritten)` };
    return r;
  }
}
