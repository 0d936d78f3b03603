// Keeps each ended incident's story (lib/read-model/incidents.ts) in the incidents
// table, written before retention prunes the raw rows it is built from, so
// `npm run incidents` can still tell it after --retention-hours. An incident whose
// signals changed since it was stored (a late signal joined it) is stored again.
import { writeTx, type Db } from '../lib/db.js';
import { endedIncidents, incidentDetail } from '../lib/read-model/incidents.js';

export function recordEndedIncidents(db: Db, nowS: number, lookbackS: number): number {
  const known = new Map((db.prepare('SELECT id, signal_ids FROM incidents').all() as Array<{ id: string; signal_ids: string }>).map((r) => [r.id, r.signal_ids]));
  const upsert = db.prepare(`INSERT INTO incidents (id, start_s, end_s, max_severity, resources, signal_ids, detail_json, recorded_at)
    VALUES (@id, @start, @end, @severity, @resources, @signals, @detail, @now)
    ON CONFLICT(id) DO UPDATE SET start_s = @start, end_s = @end, max_severity = @severity, resources = @resources,
      signal_ids = @signals, detail_json = @detail, recorded_at = @now`);
  let n = 0;
  for (const inc of endedIncidents(db, nowS - lookbackS, nowS)) {
    const signals = JSON.stringify(inc.signals.map((s) => s.id).sort((a, b) => a - b));
    if (known.get(inc.id) === signals) continue;
    const detail = incidentDetail(db, inc, nowS);
    if (detail.coverage.status === 'missing') continue; // nothing better than what the signals say
    writeTx(db, () => upsert.run({
      id: inc.id, start: inc.startS, end: inc.endS, severity: inc.maxSeverity, resources: JSON.stringify(inc.resources),
      signals, detail: JSON.stringify(detail), now: nowS,
    }));
    n++;
  }
  return n;
}
