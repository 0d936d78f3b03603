// The real system as production runs it: `node dist/start.js` (what `npm start`
// runs after setup) with ingest, scraper, the four eBPF tracers and the agent,
// on a temp database. The agent is confined to one scope root (--scope-pid) and
// restores what it changed when it stops (--restore-on-exit).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../lib/db.js';
import { DIST, TRACER_BIN_DIR } from '../lib/paths.js';
import { TRACER_ENTRIES, TRACER_NAMES } from '../lib/producers.js';
import { systemComponents } from '../supervisor/components.js';
import { readState, stateFilePath, type SupervisorState } from '../lib/supervisor-state.js';
import { descendants, isAlive } from '../lib/procfs/tree.js';
import { KEY_VARIABLES } from '../lib/llm/index.js';

export const START = path.join(DIST, 'start.js');
// The readers (exporter and dashboard) run inside the agent's process.
const COMPONENTS = ['ingestion', 'scraper', ...TRACER_ENTRIES.map((e) => e.name), 'agent'];
/** Port 0: the exporter takes a free port and logs it (metricsUrl), so systems never collide on 9464. */
export const TEST_METRICS_LISTEN = '127.0.0.1:0';
/** The dashboard likewise (webUrl reads the port it took). */
export const TEST_WEB_LISTEN = '127.0.0.1:0';

/** Why the real system cannot run here (for `skip`), or false. */
export function cannotRun(): string | false {
  if (process.getuid?.() !== 0) return 'the eBPF tracers and the agent need root';
  const need = [START, path.join(DIST, 'ingest', 'main.js'), path.join(DIST, 'scraper', 'main.js'),
    path.join(DIST, 'agent', 'main.js'), ...TRACER_ENTRIES.map((e) => path.join(TRACER_BIN_DIR, e.binary))];
  const missing = need.filter((f) => !fs.existsSync(f));
  return missing.length ? `not built: ${missing.join(', ')}` : false;
}

export interface SystemOptions {
  readonly scrapeInterval: number;
  readonly agentInterval: number;
  /** Only descendants of this pid may be acted on. */
  readonly scopePid: number;
  /** Extra agent flags (settle, measure, ...). */
  readonly agentArgs?: readonly string[];
  /** Run it inside this network namespace (ip netns exec): one simulated host of a fleet. */
  readonly netns?: string;
  /** The exporter's address (default TEST_METRICS_LISTEN: a free loopback port). */
  readonly metricsListen?: string;
  /** More environment for `npm start` (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly env?: Readonly<Record<string, string>>;
  /** More `npm start` flags (e.g. --alertmanager URL). */
  readonly startArgs?: readonly string[];
  /** A model for the agent and chat (GEMINI_API_KEY, GEMINI_BASE_URL); rules without. */
  readonly model?: { readonly apiKey: string; readonly baseUrl: string };
}

export interface RealSystem {
  readonly proc: ChildProcess;
  readonly dir: string;
  readonly db: string;
  readonly logDir: string;
  output(): string;
  state(): SupervisorState | undefined;
  /** What the supervisor's own component list (supervisor/components.ts) says each child runs. */
  expectedCommands(): Map<string, string[]>;
  /** SIGTERM and wait; the exit code (SIGKILL after `ms`, then null). */
  stop(ms?: number): Promise<number | null>;
}


export function startSystem(dir: string, o: SystemOptions): RealSystem {
  const db = path.join(dir, 'data', 'k.db');
  const logDir = path.join(dir, 'logs');
  const env = { ...process.env };
  // The rules decide unless a test brings its local model server, whatever provider the caller's environment configures.
  for (const k of ['KS_LLM_PROVIDER', 'KS_LLM_MODEL', 'KS_LLM_TOOL_CALLS', 'GEMINI_BASE_URL', 'GEMINI_MODEL', 'OPENAI_BASE_URL', 'OLLAMA_HOST', 'OLLAMA_MODEL', 'ANTHROPIC_BASE_URL', ...KEY_VARIABLES]) delete env[k];
  if (o.model) Object.assign(env, { GEMINI_API_KEY: o.model.apiKey, GEMINI_BASE_URL: o.model.baseUrl });
  Object.assign(env, o.env);
  const agentArgs = ['--scope-pid', String(o.scopePid), '--restore-on-exit', ...(o.agentArgs ?? [])];
  const expectedCommands = (): Map<string, string[]> => new Map(systemComponents({
    db, logDir, logLevel: 'info', scrapeInterval: o.scrapeInterval, tracers: [...TRACER_NAMES], agent: true,
    agentInterval: o.agentInterval, dryRun: false, agentArgs, apiKey: o.model?.apiKey, metricsListen: TEST_METRICS_LISTEN, webListen: TEST_WEB_LISTEN,
  }).map((c) => [c.name, [c.command, ...c.args]]));
  const args = [START, '--db', db, '--log-dir', logDir,
    '--scrape-interval', String(o.scrapeInterval), '--agent-interval', String(o.agentInterval),
    '--status-interval', '10', '--metrics-listen', o.metricsListen ?? TEST_METRICS_LISTEN, '--web-listen', TEST_WEB_LISTEN, ...(o.startArgs ?? []), `--agent-args=${agentArgs.join(' ')}`];
  // `ip netns exec` execs the command: the pid is still the supervisor's.
  const proc = o.netns ? spawn('ip', ['netns', 'exec', o.netns, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  const keep = (c: Buffer) => { out = (out + c.toString()).slice(-20_000); };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const state = (): SupervisorState | undefined => readState(stateFilePath(db));
  return {
    proc, dir, db, logDir, output: () => out, state, expectedCommands,
    async stop(ms = 40_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const tree = descendants(proc.pid!).map((p) => ({ pid: p.pid, start: p.startTime }));
      proc.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(ms, undefined, { ref: false }).then(() => 'timeout' as const)]);
      if (code !== 'timeout') return code;
      proc.kill('SIGKILL');
      for (const p of tree) if (isAlive(p.pid, p.start)) process.kill(p.pid, 'SIGKILL');
      await exited;
      return null;
    },
  };
}


export function allUp(s: RealSystem): boolean {
  const st = s.state();
  return COMPONENTS.every((n) => st?.components.find((c) => c.name === n)?.state === 'up');
}

/** Run a read-only query; [] while the database or table does not exist yet. */
export function query<T>(db: string, sql: string, ...params: unknown[]): T[] {
  if (!fs.existsSync(db)) return [];
  let h;
  try { h = openDatabase(db, { readonly: true }); } catch { return []; }
  try { return h.prepare(sql).all(...params) as T[]; } catch { return []; } finally { h.close(); }
}

export interface SignalRow {
  signal_id: number; signal_type: string; scope: string; severity: string; max_severity: string; status: string;
  entity_type: string | null; entity_id: string | null; entity_name: string | null;
  first_seen: number; last_seen: number; context_json: string; summary: string;
}

export interface ActionRow {
  id: number; ts: number; cycle_id: number | null; ref_action_id: number | null; action: string; params_json: string;
  target_key: string | null; target_pid: number | null; target_start_time: number | null; target_comm: string | null;
  status: string; refused_rule: string | null; decided_by: string; signal_ids: string; note: string | null;
  verification_json: string | null; prior_state_json: string | null; justification: string | null;
}

export const signals = (db: string): SignalRow[] => query<SignalRow>(db, 'SELECT * FROM signal_metadata ORDER BY signal_id');
export const actions = (db: string): ActionRow[] => query<ActionRow>(db, 'SELECT * FROM agent_actions ORDER BY id');

/**
 * Processes a signal points at, as "pid:start_time": its entity, and the processes
 * its context names as the consumers (top CPU / I/O / RSS). Processes merely
 * blocked on a device do not count: they may be victims, not the cause. The start
 * time matters: pids are reused, and a busy machine wraps them within minutes.
 */
export function signalProcesses(s: SignalRow): string[] {
  const out: string[] = [];
  if (s.entity_type === 'process' && s.entity_id) out.push(s.entity_id);
  let ctx: Record<string, unknown> = {};
  try { ctx = JSON.parse(s.context_json) as Record<string, unknown>; } catch { /* keep {} */ }
  const add = (v: unknown) => {
    const p = v as { pid?: unknown; start_time?: unknown } | null;
    if (p && typeof p.pid === 'number' && typeof p.start_time === 'number') out.push(`${p.pid}:${p.start_time}`);
  };
  for (const k of ['top_processes', 'top_io', 'top_rss']) {
    const v = ctx[k];
    if (Array.isArray(v)) v.forEach(add); else add(v);
  }
  return out;
}

/** Every line of the agent's log (for diagnostics and the "watch it act" check). */
export function agentLog(s: RealSystem): string {
  try { return fs.readFileSync(path.join(s.logDir, 'agent.log'), 'utf8'); } catch { return ''; }
}

/** The exporter's /metrics URL, from the address it logged (it listens on a free port under tests). */
export function metricsUrl(s: RealSystem): string | undefined {
  const file = path.join(s.logDir, 'exporter.log');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const m = /serving \/metrics on ([0-9.]+|\[[0-9a-f:]+\]):(\d+)/.exec(text);
  return m ? `http://${m[1]}:${m[2]}/metrics` : undefined;
}

/** The dashboard's base URL, from the address the exporter logged, and its token (web.token next to the database). */
export function webUrl(s: RealSystem): { url: string; token: string } | undefined {
  const file = path.join(s.logDir, 'exporter.log');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const m = /serving the dashboard on ([0-9.]+|\[[0-9a-f:]+\]):(\d+)/.exec(text);
  const tokenFile = path.join(path.dirname(s.db), 'web.token');
  if (!m || !fs.existsSync(tokenFile)) return undefined;
  return { url: `http://${m[1]}:${m[2]}`, token: fs.readFileSync(tokenFile, 'utf8').trim() };
}
