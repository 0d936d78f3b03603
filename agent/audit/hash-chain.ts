// Each audit row's hash covers its own columns and the previous row's hash, so
// changing or removing any row but the newest breaks every hash after it.
// (The newest hash is also written to agent.log after each append, so truncating
// the tail shows up against the log.)
import crypto from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** Columns covered by the hash, in a fixed order (never reorder: old rows would stop verifying). */
export const HASHED_COLUMNS = [
  'id', 'ts', 'cycle_id', 'ref_action_id', 'action', 'params_json', 'target_ref', 'target_key',
  'target_pid', 'target_start_time', 'target_comm', 'status', 'refused_rule', 'justification',
  'expected_effect', 'confidence', 'decided_by', 'model', 'prior_state_json', 'verification_json',
  'signal_ids', 'note',
] as const;

export type HashedRow = Record<(typeof HASHED_COLUMNS)[number], unknown>;

export function rowHash(prevHash: string, row: HashedRow): string {
  const values = HASHED_COLUMNS.map((c) => row[c] ?? null);
  return crypto.createHash('sha256').update(prevHash).update('\n').update(JSON.stringify(values)).digest('hex');
}

export interface ChainReport {
  readonly ok: boolean;
  readonly rows: number;
  readonly headHash: string;
  /** First row whose prev_hash or hash does not match, and why. */
  readonly brokenAt?: number;
  readonly reason?: string;
}

export function verifyRows(rows: Iterable<HashedRow & { prev_hash: string; hash: string }>): ChainReport {
  let prev = GENESIS_HASH;
  let n = 0;
  for (const r of rows) {
    n++;
    if (r.prev_hash !== prev) return { ok: false, rows: n, headHash: prev, brokenAt: Number(r.id), reason: 'prev_hash does not match the previous row (a row was removed or reordered)' };
    const h = rowHash(prev, r);
    if (h !== r.hash) return { ok: false, rows: n, headHash: prev, brokenAt: Number(r.id), reason: 'hash does not match the row contents (the row was edited)' };
    prev = h;
  }
  return { ok: true, rows: n, headHash: prev };
}
