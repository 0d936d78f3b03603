// /status: is data flowing (each collector's last event), what is open, what the
// agent did last, and how questions are answered.
import type { Db } from '../../lib/db.js';
import { openCounts } from '../../lib/read-model/signals.js';
import { collectors } from '../../lib/read-model/status.js';
import { escapeUntrusted } from '../../lib/sanitize.js';
import { describeComponent, runningSupervisor } from '../../lib/supervisor-state.js';
import { agentDecisions, lastCycle } from '../tools/agent-actions.js';
import { ago, isoLocal } from '../../lib/time.js';

export function status(db: Db, nowS: number, mode: string): string {
  const out: string[] = [`Answers: ${mode}.`];
  const sup = runningSupervisor(db.name);
  if (!sup) out.push('Components: no supervisor is running on this database (npm start).');
  else {
    out.push(`Components (supervisor pid ${sup.pid}):`);
    for (const c of sup.components) out.push(`  ${escapeUntrusted(describeComponent(c), 300)}`);
  }
  const cols = collectors(db);
  if (cols.length === 0) out.push('Collectors: none has reported yet (is ingest running? npm start).');
  else {
    out.push('Collectors (last event, events, errors):');
    for (const c of cols) {
      const age = c.last_event_ts === null ? null : nowS - c.last_event_ts;
      const state = age === null ? 'never' : age > 120 ? `STALE ${ago(age)} ago` : `${ago(age)} ago`;
      out.push(`  ${escapeUntrusted(c.name, 40).padEnd(26)} ${state.padEnd(16)} ${String(c.event_count).padStart(9)} ${String(c.error_count).padStart(5)}${c.last_error ? `  last error: ${escapeUntrusted(c.last_error, 120)}` : ''}`);
    }
  }
  const counts = openCounts(db);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  out.push(total === 0 ? 'Open signals: none.' : `Open signals: ${total} (${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}) — /signals lists them.`);
  const cycle = lastCycle(db);
  const last = agentDecisions(db, 1)[0];
  out.push(cycle ? `Agent: last cycle #${cycle.id} at ${cycle.started} (${cycle.status}, ${cycle.mode}).` : 'Agent: no cycles recorded.');
  if (last) out.push(`Agent's last decision: #${last.id} ${last.action} on ${last.target} -> ${last.status} (${last.at}).`);
  const pending = agentDecisions(db, 50).filter((d) => d.can_approve);
  if (pending.length) out.push(`Waiting for approval: ${pending.map((p) => `#${p.id} ${p.action}`).join(', ')} (/approve <id>).`);
  out.push(`Now: ${isoLocal(nowS)}.`);
  return out.join('\n');
}
