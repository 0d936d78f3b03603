// Each audit row's hash covers its own columns and the previous row's hash, so
// changing or removing any row but the newest breaks every hash after it; the
// newest is covered by the head file (audit-files.ts) and agent.log.
//
// Two schemes, told apart by the stored value:
//   v1 (legacy): 64 hex digits, plain SHA-256 — anyone can recompute it.
//   v2: "v2:" + HMAC-SHA256 under the root-only key — recomputing needs the key.
// v1 rows are accepted only up to the id the key file records as legacy; every
// later row must be v2 (a rewrite cannot fall back to the keyless scheme).
import crypto from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);
const V2 = 'v2:';

/** Columns covered by the hash, in a fixed order (never reorder: old rows would stop verifying). */
export const HASHED_COLUMNS = [
  'id', 'ts', 'cycle_id', 'ref_action_id', 'action', 'params_json', 'target_ref', 'target_key',
  'target_pid', 'target_start_time', 'target_comm', 'status', 'refused_rule', 'justification',
  'expected_effect', 'confidence', 'decided_by', 'model', 'prior_state_json', 'verification_json',
  'signal_ids', 'note',
] as const;

export type HashedRow = Record<(typeof HASHED_COLUMNS)[number], unknown>;

const payload = (row: HashedRow) => JSON.stringify(HASHED_COLUMNS.map((c) => row[c] ?? null));

/** v2 with a key, v1 without (only for legacy rows and keyless in-memory databases). */
export function rowHash(prevHash: string, row: HashedRow, key?: Buffer): string {
  if (key) return V2 + crypto.createHmac('sha256', key).update(prevHash).update('\n').update(payload(row)).digest('hex');
  return crypto.createHash('sha256').update(prevHash).update('\n').update(payload(row)).digest('hex');
}

export interface ChainReport {
  readonly ok: boolean;
  readonly rows: number;
  readonly headHash: string;
  readonly lastId?: number;
  /** First row whose prev_hash or hash does not match, and why. */
  readonly brokenAt?: number;
  readonly reason?: string;
}

export function verifyRows(rows: Iterable<HashedRow & { prev_hash: string; hash: string }>, key?: Buffer, legacyThrough = Number.POSITIVE_INFINITY): ChainReport {
  let prev = GENESIS_HASH;
  let n = 0;
  let lastId: number | undefined;
  let keyed = false;
  for (const r of rows) {
    n++;
    const id = Number(r.id);
    if (r.prev_hash !== prev) return { ok: false, rows: n, headHash: prev, lastId, brokenAt: id, reason: 'prev_hash does not match the previous row (a row was removed or reordered)' };
    const v2 = r.hash.startsWith(V2);
    if ((keyed || id > legacyThrough) && !v2) return { ok: false, rows: n, headHash: prev, lastId, brokenAt: id, reason: 'a keyless (v1) hash after keyed rows (the chain was rewritten without the key)' };
    if (v2 && !key) return { ok: false, rows: n, headHash: prev, lastId, brokenAt: id, reason: 'keyed (v2) rows but no audit key to check them' };
    keyed ||= v2;
    const h = rowHash(prev, r, v2 ? key : undefined);
    if (h !== r.hash) return { ok: false, rows: n, headHash: prev, lastId, brokenAt: id, reason: 'hash does not match the row contents (the row was edited, or rehashed without the key)' };
    prev = h;
    lastId = id;
  }
  return { ok: true, rows: n, headHash: prev, lastId };
}
