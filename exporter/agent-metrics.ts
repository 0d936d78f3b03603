// Signals, the agent, ingest and the producers: what the pipeline itself did.
// Label values come from bounded sets (signal types, severities, the catalogue's
// action names, audit statuses, reject codes, component names); anything else
// is counted as "other" so a bad row cannot grow the series count.
import type { Db } from '../lib/db.js';
import { REJECT_CODES } from '../lib/events.js';
import { lastCycle } from '../lib/read-model/decisions.js';
import { parseJson } from '../lib/read-model/json.js';
import { RowFeed } from '../lib/read-model/row-feed.js';
import { openByTypeAndSeverity } from '../lib/read-model/signals.js';
import { collectors, rejectCounts } from '../lib/read-model/status.js';
import { readState, stateFilePath } from '../lib/supervisor-state.js';
import type { FamilyDef, Sample } from './family.js';
import type { MetricSource } from './source.js';
import { Sums } from './sums.js';

const SEVERITIES = new Set(['none', 'low', 'medium', 'high', 'critical']);
const RESULTS = new Set(['executed', 'verified', 'rolled_back', 'refused', 'failed', 'dry_run', 'pending_approval', 'approved', 'rollback_failed', 'undone', 'restored']);
/** Distinct values one label may take before the rest count as "other". */
const MAX_VALUES = 64;

/** A label value from a name-like string, or "other" past the cap or for anything else. */
class BoundedNames {
  private readonly seen = new Set<string>();
  name(v: unknown): string {
    const s = typeof v === 'string' ? v : '';
    if (!/^[a-z][a-z0-9_.:-]{0,63}$/i.test(s)) return 'other';
    if (this.seen.has(s)) return s;
    if (this.seen.size >= MAX_VALUES) return 'other';
    this.seen.add(s);
    return s;
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function agentMetrics(dbFile: string): MetricSource {
  let db: Db | undefined;
  const types = new BoundedNames(), actions = new BoundedNames(), models = new BoundedNames();
  const signalFeed = new RowFeed('signal_metadata', 'signal_type, severity', 'signal_id');
  const actionFeed = new RowFeed('agent_actions', 'action, status, verification_json');
  const usageFeed = new RowFeed('agent_llm_usage', 'model, outcome, prompt_tokens, output_tokens, thoughts_tokens');
  const opened = new Sums(), acted = new Sums(), calls = new Sums(), tokens = new Sums();
  const effect = new Map<string, Sample>();

  return {
    refresh(d) {
      db = d;
      for (const r of signalFeed.next(d)) {
        opened.add({ type: types.name(r.signal_type), severity: SEVERITIES.has(String(r.severity)) ? String(r.severity) : 'other' }, 1);
      }
      for (const r of actionFeed.next(d)) {
        const action = actions.name(r.action);
        const result = RESULTS.has(String(r.status)) ? String(r.status) : 'other';
        if (String(r.status) !== 'executing') acted.add({ action, result }, 1);
        const v = parseJson<{ effect?: unknown; metric?: unknown } | null>(r.verification_json as string | null, null);
        const e = num(v?.effect);
        if (e !== undefined) effect.set(action, { labels: { action }, value: e });
      }
      for (const r of usageFeed.next(d)) {
        const model = models.name(r.model);
        calls.add({ model, outcome: ['ok', 'error', 'timeout', 'invalid'].includes(String(r.outcome)) ? String(r.outcome) : 'other' }, 1);
        for (const kind of ['prompt', 'output', 'thoughts'] as const) tokens.add({ model, kind }, num(r[`${kind}_tokens`]) ?? 0);
      }
    },
    families: [
      { name: 'kernelsight_signals_open', type: 'gauge', help: 'Open signals by type and severity', collect: () =>
        (db ? openByTypeAndSeverity(db) : []).map((r) => ({ labels: { type: types.name(r.type), severity: SEVERITIES.has(r.severity) ? r.severity : 'other' }, value: r.n })) },
      { name: 'kernelsight_signals_opened_total', type: 'counter', help: 'Signals opened, by type and severity at opening', collect: () => opened.samples() },
      { name: 'kernelsight_agent_actions_total', type: 'counter', help: 'Agent audit rows by action and result (executed, verified, rolled_back, refused, failed, ...)', collect: () => acted.samples() },
      { name: 'kernelsight_agent_verification_effect', type: 'gauge', help: 'Effect VERIFY measured for the last verified action of each kind (before minus after, in the unit of its harm metric; > 0 helped)', collect: () => [...effect.values()] },
      { name: 'kernelsight_agent_last_cycle_timestamp_seconds', type: 'gauge', help: 'When the agent\'s newest cycle started (Unix seconds)', collect: () => {
        const c = db && lastCycle(db); return c ? [{ value: c.started_at }] : [];
      } },
      { name: 'kernelsight_agent_last_cycle_duration_seconds', type: 'gauge', help: 'How long the agent\'s newest cycle took (absent while it runs)', collect: () => {
        const c = db && lastCycle(db); return c && c.finished_at !== null ? [{ value: c.finished_at - c.started_at }] : [];
      } },
      { name: 'kernelsight_model_calls_total', type: 'counter', help: 'Model requests by model and outcome', collect: () => calls.samples() },
      { name: 'kernelsight_model_tokens_total', type: 'counter', help: 'Model tokens by model and kind (prompt, output, thoughts)', collect: () => tokens.samples() },
      { name: 'kernelsight_ingest_rejected_lines_total', type: 'counter', help: 'Input lines ingest rejected, by reason code (set aside in the quarantine table)', collect: () => {
        if (!db) return [];
        const have = rejectCounts(db);
        return REJECT_CODES.map((code) => ({ labels: { code }, value: have.get(code) ?? 0 }));
      } },
      { name: 'kernelsight_ingest_events_total', type: 'counter', help: 'Events ingest stored, per producer', collect: () => (db ? collectors(db).map((c) => ({ labels: { producer: types.name(c.name) }, value: c.event_count })) : []) },
      { name: 'kernelsight_component_up', type: 'gauge', help: 'Whether each component the supervisor runs is up (1) or not (0)', collect: () => components(dbFile, (c) => (c.state === 'up' ? 1 : 0)) },
      { name: 'kernelsight_component_restarts_total', type: 'counter', help: 'Restarts of each component by the supervisor', collect: () => components(dbFile, (c) => c.restarts) },
    ] satisfies FamilyDef[],
  };
}

function components(dbFile: string, value: (c: { state: string; restarts: number }) => number): Sample[] {
  const st = readState(stateFilePath(dbFile));
  return (st?.components ?? []).map((c) => ({ labels: { component: /^[a-z0-9_-]{1,32}$/.test(c.name) ? c.name : 'other' }, value: value(c) }));
}
