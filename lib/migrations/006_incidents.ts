// Migration 6: incident summaries, written by ingest when an incident has ended,
// so an incident keeps its story (processes and their peaks, metric peaks, the
// agent's actions and verdicts) after the raw rows behind it are pruned.
export const sql = `
  CREATE TABLE incidents (
    id TEXT PRIMARY KEY,                -- "I<first signal id>"
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    max_severity TEXT NOT NULL,
    resources TEXT NOT NULL,            -- JSON array
    signal_ids TEXT NOT NULL,           -- JSON array
    detail_json TEXT NOT NULL,          -- lib/read-model/incidents.ts IncidentDetail
    recorded_at REAL NOT NULL
  );
  CREATE INDEX idx_incidents_start ON incidents(start_s);
`;
