// A signal_metadata row as readers see it (agent OBSERVE, chat). Columns are
// defined in lib/migrations/003_signals.ts.
export interface SignalMetadataRow {
  signal_id: number;
  timestamp: number;
  signal_category: string;
  signal_type: string;
  scope: string;
  semantic_label: string;
  severity: string;
  max_severity: string;
  pressure_score: number;
  summary: string;
  patterns: string;
  reasoning_hints: string;
  entity_type: string | null;
  entity_id: string | null;
  entity_name: string | null;
  context_json: string;
  first_seen: number;
  last_seen: number;
  occurrence_count: number;
  status: string;
  resolved_at: number | null;
}
