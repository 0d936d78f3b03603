// Migration 2: what ingest keeps about itself: sources, rejects, retention.
export const sql = `
  -- One row per producer (tracer, scraper source): is it alive, how much, how broken.
  CREATE TABLE collectors (
    name TEXT PRIMARY KEY,
    last_event_ts REAL,
    event_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at REAL NOT NULL
  );
  -- Rejected input lines, truncated, for a person to look at. Bounded by retention.
  CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    source TEXT,
    code TEXT NOT NULL,
    error TEXT NOT NULL,
    sample TEXT NOT NULL,
    line_bytes INTEGER NOT NULL
  );
  CREATE INDEX idx_quarantine_ts ON quarantine(timestamp);
  -- Running totals of rejects per error code (bounded set, see REJECT_CODES).
  CREATE TABLE reject_counts (
    code TEXT PRIMARY KEY,
    count INTEGER NOT NULL DEFAULT 0,
    last_ts REAL NOT NULL
  );
`;
