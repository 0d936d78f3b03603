// /signals, /actions and /incidents: the rows themselves, newest or most severe first.
import type { Db } from '../../lib/db.js';
import { actionLine } from '../rules/sections/agent.js';
import { signalLine } from '../rules/lines.js';
import { agentDecisions } from '../tools/agent-actions.js';
import { openSignals, recentSignals } from '../../lib/read-model/signals.js';
import { incidentById, listIncidents } from '../../lib/read-model/incidents.js';
import { incidentTimeline } from '../../lib/read-model/timeline.js';
import { describeWindow } from '../../lib/time-window.js';
import { incidentList, incidentStory, timelineText } from '../../incidents/format.js';

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

export function incidents(db: Db, nowS: number, id: string | null): string {
  if (id === null) {
    const w = { fromS: nowS - 86400, toS: nowS, source: 'the last 24 h' };
    return incidentList(listIncidents(db, w, nowS), describeWindow(w)).replace('npm run incidents -- --show ID', '/incidents ID');
  }
  const d = incidentById(db, id, nowS);
  if (!d) return `No incident ${id} (/incidents lists them).`;
  const t = d.incident.stored ? { minutes: [], truncated: false } : incidentTimeline(db, d);
  return [incidentStory(d), ...(t.minutes.length ? ['', timelineText(t.minutes, t.truncated)] : [])].join('\n');
}
