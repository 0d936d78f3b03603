// Migration 4: the agent's own tables. The agent writes only these.
// agent_actions is the audit trail: append-only (triggers refuse UPDATE and DELETE)
// and hash-chained (each row's hash covers the previous row's hash), so a status
// change is a new row pointing at the original through ref_action_id, and editing
// or removing a row in the middle breaks the chain (npm run actions -- --verify-chain).
export const sql = `
  CREATE TABLE agent_cycles (
    id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL,
    finished_at REAL,
    mode TEXT NOT NULL,                 -- live | dry_run | breaker_open
    decided_by TEXT,                    -- rules | model
    model TEXT,
    status TEXT NOT NULL DEFAULT 'running', -- running | ok | idle | error | abandoned
    signal_ids TEXT NOT NULL DEFAULT '[]',
    observe_json TEXT,
    explain_json TEXT,
    simulate_json TEXT,
    decide_json TEXT,
    execute_json TEXT,
    verify_json TEXT,
    error TEXT
  );
  CREATE INDEX idx_agent_cycles_started ON agent_cycles(started_at);

  CREATE TABLE agent_actions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    cycle_id INTEGER,                   -- NULL for approvals/undo from outside a cycle
    ref_action_id INTEGER,              -- the decision row this row updates; NULL on a decision row
    action TEXT NOT NULL,
    params_json TEXT NOT NULL DEFAULT '{}',
    target_ref TEXT,                    -- the cycle's opaque ref (t1), a sysctl key, or 'system'
    target_key TEXT,                    -- '<pid>:<start_time>', 'sysctl:<key>', 'system': cooldowns key on it
    target_pid INTEGER,
    target_start_time INTEGER,
    target_comm TEXT,                   -- escaped, length-capped
    status TEXT NOT NULL,               -- executing | executed | dry_run | refused | failed | pending_approval |
                                        -- approved | verified | rolled_back | rollback_failed | undone | restored
    refused_rule TEXT,
    justification TEXT,
    expected_effect TEXT,
    confidence REAL,
    decided_by TEXT NOT NULL,           -- rules | model | operator
    model TEXT,
    prior_state_json TEXT,
    verification_json TEXT,
    signal_ids TEXT NOT NULL DEFAULT '[]',
    note TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
  );
  CREATE INDEX idx_agent_actions_ts ON agent_actions(ts);
  CREATE INDEX idx_agent_actions_ref ON agent_actions(ref_action_id);
  CREATE INDEX idx_agent_actions_target ON agent_actions(target_key, ts);
  CREATE TRIGGER agent_actions_no_update BEFORE UPDATE ON agent_actions
    BEGIN SELECT RAISE(ABORT, 'agent_actions is append-only: append a row with ref_action_id instead'); END;
  CREATE TRIGGER agent_actions_no_delete BEFORE DELETE ON agent_actions
    BEGIN SELECT RAISE(ABORT, 'agent_actions is append-only'); END;

  CREATE TABLE agent_llm_usage (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    cycle_id INTEGER,
    model TEXT NOT NULL,
    turn INTEGER NOT NULL,
    prompt_tokens INTEGER,
    output_tokens INTEGER,
    thoughts_tokens INTEGER,
    total_tokens INTEGER,
    latency_ms REAL NOT NULL,
    outcome TEXT NOT NULL,              -- ok | error | timeout | invalid
    error TEXT
  );
  CREATE INDEX idx_agent_llm_usage_ts ON agent_llm_usage(ts);

  -- Circuit breaker transitions; its state is the latest event plus recent failed verifications.
  CREATE TABLE agent_breaker_events (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    event TEXT NOT NULL,                -- tripped | reset
    failures INTEGER NOT NULL,
    reason TEXT NOT NULL
  );
`;
