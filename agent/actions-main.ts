// `npm run actions`: the audit trail. Lists decisions with their latest status;
// --show ID prints one decision's whole history; --undo ID / --approve ID act
// through the executor (every rule re-checked) under the policy the agent wrote
// next to the database (agent/executor/policy.ts); --verify-chain checks the
// hashes; --reset-breaker closes the circuit breaker.
import { cli, withWindow } from '../lib/config.js';
import { decisionsIn } from '../lib/read-model/decisions.js';
import { describeWindow, windowFromFlags } from '../lib/time-window.js';
import { openDatabase } from '../lib/db.js';
import { closeLogger, createLogger } from '../lib/logger.js';
import { escapeUntrusted } from '../lib/sanitize.js';
import { AuditLog } from './audit/audit-log.js';
import { approveAction, undoAction } from './executor/approvals.js';
import { CircuitBreaker } from './executor/circuit-breaker.js';
import { operatorPolicy } from './executor/policy.js';
import { DEFAULT_EXECUTOR_CONFIG } from './executor/types.js';

const argv = withWindow(cli('actions', 'Usage: $0 [--limit 30] [--since 1h] [--until now] [--json] [--show ID] [--undo ID] [--approve ID] [--verify-chain] [--reset-breaker]'))
  .option('limit', { type: 'number', default: 30 })
  .option('json', { type: 'boolean', default: false })
  .option('show', { type: 'number' })
  .option('undo', { type: 'number' })
  .option('approve', { type: 'number' })
  .option('verify-chain', { type: 'boolean', default: false })
  .option('reset-breaker', { type: 'boolean', default: false })
  .parseSync();

const db = openDatabase(argv.db);
const audit = new AuditLog(db);
const out = (s: string) => process.stdout.write(`${s}\n`);
const time = (ts: number) => new Date(ts * 1000).toISOString().replace('T', ' ').slice(0, 19);
let code = 0;

if (argv.verifyChain) {
  let r: ReturnType<AuditLog['verifyChain']>;
  try { r = audit.verifyChain(); } catch (e) { r = { ok: false, rows: 0, headHash: '', reason: e instanceof Error ? e.message : String(e) }; }
  out(r.ok ? `audit chain OK: ${r.rows} rows, head ${r.headHash}` : `audit chain BROKEN at row ${r.brokenAt ?? '?'}: ${r.reason}`);
  code = r.ok ? 0 : 1;
} else if (argv.resetBreaker) {
  new CircuitBreaker(db, DEFAULT_EXECUTOR_CONFIG.breaker).reset('reset by operator (npm run actions -- --reset-breaker)');
  out('circuit breaker reset');
} else if (argv.undo !== undefined || argv.approve !== undefined) {
  const log = createLogger('agent', { logDir: argv.logDir, level: argv.logLevel, console: false });
  try {
    const policy = operatorPolicy(argv.db);
    out(policy.notice);
    const opts = { log, by: 'cli', config: policy.config };
    if (argv.undo !== undefined) {
      const r = await undoAction(db, argv.undo, opts);
      out(`${r.status} (#${r.auditId}): ${r.note}`);
      code = r.status === 'undone' ? 0 : 1;
    } else {
      const r = await approveAction(db, argv.approve!, opts);
      const o = r.outcome;
      out(`${o.status}${o.status === 'refused' ? ` (${o.refusal.rule}: ${o.refusal.detail})` : ''}${r.verification ? `; verification ${r.verification.verdict} -> ${r.verification.status}` : ''}`);
      code = o.status === 'executed' ? 0 : 1;
    }
  } catch (e) {
    out(e instanceof Error ? e.message : String(e));
    code = 1;
  }
  await closeLogger(log);
} else if (argv.show !== undefined) {
  const rows = audit.history(argv.show);
  if (rows.length === 0) { out(`no decision ${argv.show}`); code = 1; }
  if (argv.json) out(JSON.stringify(rows, null, 2));
  else for (const r of rows) {
    out(`#${r.id} ${time(r.ts)} ${r.status}${r.refused_rule ? ` [${r.refused_rule}]` : ''} by ${r.decided_by}${r.model ? `/${r.model}` : ''}`);
    for (const [k, v] of Object.entries({ params: r.params_json, target: r.target_ref && `${r.target_ref} pid ${r.target_pid} ${r.target_comm ?? ''}`, justification: r.justification, expected: r.expected_effect, confidence: r.confidence, prior: r.prior_state_json, verdict: verdictLine(r.verification_json), verification: r.verification_json, note: r.note })) {
      if (v !== null && v !== undefined && v !== '') out(`    ${k}: ${escapeUntrusted(String(v), k === 'verification' ? 2000 : 600)}`);
    }
  }
} else {
  const w = windowFromFlags(argv.since, argv.until, Date.now() / 1000);
  // In a window: its decisions, oldest first (at most --limit); without: the newest --limit.
  const rows = w ? decisionsIn(db, w, argv.limit) : audit.decisions(argv.limit);
  if (argv.json) out(JSON.stringify(rows, null, 2));
  else {
    if (w) out(`Decisions in ${describeWindow(w)}: ${rows.length}${rows.length === argv.limit ? ` (the first ${argv.limit}; --limit for more)` : ''}`);
    out('   ID  TIME                 ACTION                   TARGET                         STATUS            BY     CONF  RULE');
    for (const r of rows) {
      const target = r.target_pid !== null ? `${r.target_ref} pid ${r.target_pid} ${escapeUntrusted(r.target_comm ?? '', 15)}` : (r.target_ref ?? '');
      out(`${String(r.id).padStart(5)}  ${time(r.ts)}  ${r.action.padEnd(24).slice(0, 24)} ${target.padEnd(30).slice(0, 30)} ${r.latest_status.padEnd(17)} ${r.decided_by.padEnd(6)} ${(r.confidence ?? 0).toFixed(2)}  ${r.refused_rule ?? ''}`);
    }
  }
}
db.close();
process.exit(code);

/** The verdict in one line: metric, before and after with their spread, effect against the noise, control, pids. */
function verdictLine(json: string | null): string | null {
  if (!json) return null;
  let v: Record<string, unknown>;
  try { v = JSON.parse(json) as Record<string, unknown>; } catch { return null; }
  if (v.effect === undefined) return null;
  const w = (v.windows ?? {}) as Record<string, { mean: number; sd: number; n: number }>;
  const win = (x?: { mean: number; sd: number; n: number }) => (x ? `${x.mean}±${x.sd} (${x.n} slices)` : '?');
  const sb = w.off ? `; switchback off ${win(w.off)} -> on ${win(w.on)}` : '';
  return `${String(v.verdict)} on ${String(v.metric)} [${String(v.unit ?? '')}]: before ${win(w.before)} -> after ${win(w.after)}${sb}; `
    + `effect ${String(v.effect)}, sigma ${String(v.sigma)}, needed ${String(v.threshold)}; control: ${String(v.control)}`
    + `${Array.isArray(v.pids) && v.pids.length ? `; pids ${v.pids.join(',')}` : ''}`;
}
