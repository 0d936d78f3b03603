// agent_actions: what the autonomous agent decided and did, straight from its
// hash-chained audit (agent_actions), each decision with its latest status and
// the verification that judged it. Read through the read model (lib/read-model/decisions.ts).
import { tableExists, type Db } from '../../lib/db.js';
import { DEFAULT_EXECUTOR_CONFIG } from '../../agent/executor/types.js';
import { decisionHistory, decisions, lastCycle as lastCycleRow, type AuditRow } from '../../lib/read-model/decisions.js';
import { parseJson } from '../../lib/read-model/json.js';
import { escapeUntrusted, quoteUntrusted } from '../../lib/sanitize.js';
import { isoLocal } from '../../lib/time.js';
import { intArg, type ChatTool } from './types.js';

export interface ActionView {
  readonly id: number;
  readonly at: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly target: string;
  readonly status: string;
  readonly decided_by: string;
  readonly confidence: number | null;
  readonly refused_rule?: string;
  readonly justification?: string;
  readonly signal_ids: number[];
  readonly verification?: Record<string, unknown>;
  readonly note?: string;
  /** Set on pending decisions: false once the approval window has passed. */
  readonly can_approve?: boolean;
}

function targetText(r: AuditRow): string {
  if (r.target_pid !== null) return `process ${quoteUntrusted(r.target_comm ?? '', 32)} pid ${r.target_pid} (start ${r.target_start_time ?? '?'})`;
  const key = r.target_key ?? r.target_ref;
  return key ? escapeUntrusted(key, 60) : 'no resolved target';
}

/** The verification JSON of the newest row that has one, numbers kept, strings escaped. */
function verificationOf(history: AuditRow[]): Record<string, unknown> | undefined {
  const v = [...history].reverse().find((r) => r.verification_json !== null);
  if (!v) return undefined;
  const raw = parseJson<Record<string, unknown>>(v.verification_json, {});
  return Object.fromEntries(Object.entries(raw).slice(0, 18).map(([k, x]) => [k, typeof x === 'string' ? escapeUntrusted(x, 200) : x]));
}

/**
 * @param ttlS pending decisions older than this can no longer be approved (the
 *   executor refuses them: the situation they were for has moved on).
 */
export function agentDecisions(db: Db, limit: number, nowS = Date.now() / 1000, ttlS = DEFAULT_EXECUTOR_CONFIG.approvalTtlS): ActionView[] {
  return decisions(db, limit).map((d) => {
    const history = decisionHistory(db, d.id);
    const latest = history[history.length - 1] ?? d;
    const refused = [...history].reverse().find((r) => r.refused_rule);
    return {
      id: d.id, at: isoLocal(d.ts), action: escapeUntrusted(d.action, 40),
      params: parseJson<Record<string, unknown>>(d.params_json, {}), target: targetText(d),
      status: d.latest_status, decided_by: latest.decided_by === 'operator' ? `${d.decided_by}, then operator` : d.decided_by,
      confidence: d.confidence,
      ...(refused?.refused_rule ? { refused_rule: refused.refused_rule } : {}),
      ...(d.justification ? { justification: escapeUntrusted(d.justification, 300) } : {}),
      signal_ids: parseJson<number[]>(d.signal_ids, []).filter((n) => Number.isInteger(n)).slice(0, 10),
      ...(verificationOf(history) ? { verification: verificationOf(history) } : {}),
      ...(latest.note ? { note: escapeUntrusted(latest.note, 300) } : {}),
      ...(d.latest_status === 'pending_approval' ? { can_approve: nowS - d.ts <= ttlS } : {}),
    };
  });
}

export interface CycleView { readonly id: number; readonly started: string; readonly status: string; readonly mode: string; readonly decided_by: string | null }

export function lastCycle(db: Db): CycleView | undefined {
  const r = lastCycleRow(db);
  return r ? { id: r.id, started: isoLocal(r.started_at), status: r.status, mode: r.mode, decided_by: r.decided_by } : undefined;
}

export const agentActions: ChatTool = {
  name: 'agent_actions',
  description: 'The autonomous agent\'s recent decisions from its audit trail: action, target, latest status (executed, verified, rolled_back, refused, pending_approval...), who decided, confidence, justification, verification result. Also its last cycle.',
  params: { limit: { type: 'integer', description: 'how many decisions', minimum: 1, maximum: 30 } },
  // What the model sees: a pending decision is a fact about the agent, never an id it
  // could put to the operator for approval (approving is the operator's own /approve).
  async run(ctx, args) {
    const decisions = agentDecisions(ctx.db, intArg(args, 'limit', 10, 1, 30)).map(({ can_approve: _c, ...d }) => d);
    return {
      last_cycle: lastCycle(ctx.db) ?? null,
      decisions,
      approvals: 'pending decisions are for the operator to review on their own (/approvals); do not ask them to approve any',
      ...(tableExists(ctx.db, 'agent_actions') ? {} : { note: 'the agent has not run against this database (no agent_actions table)' }),
    };
  },
};
