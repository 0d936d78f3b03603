// Migration 3: semantic signals (the agent's memory) and baselines.
// signal_metadata keeps the original system's columns so its users' queries work.
export const sql = `
  CREATE TABLE signal_metadata (
    signal_id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,            -- when the signal opened (first_seen)
    signal_category TEXT NOT NULL,      -- symptom | context | baseline
    signal_type TEXT NOT NULL,          -- memory_pressure, cpu_saturation, ...
    scope TEXT NOT NULL,                -- system | process | device | interface
    semantic_label TEXT NOT NULL,
    severity TEXT NOT NULL,             -- none | low | medium | high | critical
    pressure_score REAL NOT NULL,       -- 0..1
    summary TEXT NOT NULL,
    patterns TEXT NOT NULL DEFAULT '[]',         -- JSON array
    reasoning_hints TEXT NOT NULL DEFAULT '[]',  -- JSON array
    source_table TEXT,
    source_id INTEGER,
    entity_type TEXT,
    entity_id TEXT,
    entity_name TEXT,
    context_json TEXT NOT NULL DEFAULT '{}',
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    occurrence_count INTEGER NOT NULL DEFAULT 1,
    max_severity TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open', -- open | resolved
    resolved_at REAL,
    dedup_key TEXT NOT NULL
  );
  CREATE INDEX idx_signal_ts ON signal_metadata(timestamp);
  CREATE INDEX idx_signal_last_seen ON signal_metadata(last_seen);
  CREATE INDEX idx_signal_type ON signal_metadata(signal_type, status);
  -- At most one open row per condition: an ongoing condition advances, never duplicates.
  CREATE UNIQUE INDEX idx_signal_open_key ON signal_metadata(dedup_key) WHERE status = 'open';

  CREATE TABLE baseline_snapshots (
    metric TEXT PRIMARY KEY,            -- e.g. cpu.busy_pct, block.vda.await_ms
    count INTEGER NOT NULL,
    mean REAL NOT NULL,
    m2 REAL NOT NULL,                   -- Welford running sum of squared deviations
    ewma REAL NOT NULL,
    ewm_var REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    last_value REAL NOT NULL,
    updated_at REAL NOT NULL
  );
`;
