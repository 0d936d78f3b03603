// /signals and /actions: the rows themselves, newest or most severe first.
import type { Db } from '../../lib/db.js';
import { actionLine } from '../rules/sections/agent.js';
import { signalLine } from '../rules/lines.js';
import { agentDecisions } from '../tools/agent-actions.js';
import { openSignals, recentSignals } from '../../lib/read-model/signals.js';

export function signals(db: Db, nowS: number, all: boolean): string {
  if (all) {
    const rows = recentSignals(db, nowS - 86400, 50);
    return rows.length ? [`Signals seen in the last 24 h (newest first, at most 50):`, ...rows.map(signalLine)].join('\n') : 'No signals in the last 24 h.';
  }
  const rows = openSignals(db, { limit: 30 });
  return rows.length ? [`Open signals (most severe first):`, ...rows.map(signalLine)].join('\n') : 'No open signals. (/signals all shows the last 24 h.)';
}

export function actions(db: Db, n: number): string {
  const rows = agentDecisions(db, n);
  return rows.length ? [`The agent's last ${rows.length} decisions (newest first):`, ...rows.map(actionLine)].join('\n') : 'The agent has made no decisions in this database.';
}
