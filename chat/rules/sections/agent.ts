// "What did the agent do?": its last decisions from the audit trail with their
// outcome and verification, and anything waiting for a person's approval.
import { escapeUntrusted } from '../../../lib/sanitize.js';
import { cite, num } from '../../../lib/format.js';
import { agentDecisions, lastCycle, type ActionView } from '../../tools/agent-actions.js';
import type { RulesContext } from '../context.js';

export function actionLine(a: ActionView): string {
  const params = Object.entries(a.params).filter(([k]) => k !== 'target').map(([k, v]) => `${escapeUntrusted(k, 20)}=${escapeUntrusted(String(v), 30)}`).join(', ');
  const v = a.verification;
  const verdict = v ? `; verification: ${String(v.verdict ?? '?')}${v.metric ? ` on ${String(v.metric)} ${num(v.before as number)} -> ${num(v.after as number)}` : ''}` : '';
  const why = !a.refused_rule ? '' : a.status === 'refused' ? `; refused by rule ${a.refused_rule}` : `; a later attempt was refused (rule ${a.refused_rule})`;
  const sig = a.signal_ids.length ? ` for ${a.signal_ids.map(cite).join(' ')}` : '';
  return `  #${a.id} ${a.at}: ${a.action}${params ? ` (${params})` : ''} on ${a.target}${sig} -> ${a.status}${a.can_approve === false ? ' (approval window passed)' : ''} (decided by ${a.decided_by}, confidence ${num(a.confidence)})${why}${verdict}`;
}

export async function agent(ctx: RulesContext): Promise<string[]> {
  const decisions = agentDecisions(ctx.db, 8);
  const cycle = lastCycle(ctx.db);
  const out: string[] = [];
  out.push(cycle ? `The agent's last cycle: #${cycle.id} at ${cycle.started} (${cycle.status}, ${cycle.mode}${cycle.decided_by ? `, decided by ${cycle.decided_by}` : ''}).` : 'The agent has not run a cycle against this database.');
  if (decisions.length === 0) out.push('It has made no decisions: nothing was changed on this host.');
  else out.push(`Its last ${decisions.length} decision${decisions.length === 1 ? '' : 's'}, newest first:`, ...decisions.map(actionLine));
  const pending = decisions.filter((d) => d.can_approve);
  if (pending.length) out.push(`Waiting for your approval: ${pending.map((p) => `#${p.id} ${p.action}`).join(', ')}. Type /approve <id> to run one (the executor re-checks every rule), or leave it to expire.`);
  return out;
}
