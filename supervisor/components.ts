// The real system's components and how each is launched. Start order is list
// order: ingest first, then the producers, then the agent.
import fs from 'node:fs';
import path from 'node:path';
import { DIST, TRACER_BIN_DIR } from '../lib/paths.js';
import { executorSocket } from '../agent/executor/wire.js';
import { TRACER_ENTRIES, TRACER_NAMES, tracerEntry, type TracerName } from '../lib/producers.js';
import type { ComponentSpec } from './component.js';
import type { PrivilegePlan } from './privileges.js';

export interface SystemOptions {
  readonly db: string;
  readonly logDir: string;
  readonly logLevel: string;
  readonly scrapeInterval: number;
  readonly tracers: readonly TracerName[];
  readonly agent: boolean;
  readonly agentInterval: number;
  readonly dryRun: boolean;
  /** Where the exporter serves Prometheus /metrics; undefined: no endpoint (--no-metrics). */
  readonly metricsListen?: string;
  /** Where the exporter serves the dashboard; undefined: none (--no-web). */
  readonly webListen?: string;
  /** Alertmanager to push alerts to (--alertmanager URL). */
  readonly alertmanager?: string;
  /** OTEL_EXPORTER_OTLP_*ENDPOINT is set: the exporter pushes OTLP (it reads the OTEL_* variables itself). */
  readonly otlp?: boolean;
  /**
   * Leave the agent's verified changes in place when it stops (--keep-changes).
   * By default `npm start` stops with everything the agent changed restored.
   */
  readonly keepChanges?: boolean;
  /** Process names the agent never touches (its --deny). */
  readonly deny?: readonly string[];
  /** uids whose processes the agent never touches (its --deny-uid). */
  readonly denyUids?: readonly number[];
  /** The agent acts only on descendants of this pid (its --scope-pid). */
  readonly scopePid?: number;
  /** Only the agent gets it, through its environment (and the exporter, when it serves the dashboard's Ask box). */
  readonly apiKey?: string;
  /** The variable the agent reads the key from (the provider's; default GEMINI_API_KEY). */
  readonly apiKeyVar?: string;
  /** Appended to the agent's command line (hidden --agent-args). */
  readonly agentArgs?: readonly string[];
  readonly distDir?: string;
  readonly tracerDir?: string;
  /** Who runs it (default: this process's uid); a live agent needs root. */
  readonly uid?: number;
  /** A root supervisor's privilege drop (privileges.ts): who runs each part, and the executor that keeps root. */
  readonly plan?: PrivilegePlan;
  /** An executor that runs on its own (its own unit): the agent acts through this socket, none is started. */
  readonly externalExecutor?: string;
}

/** The policy flags among --agent-args, for the executor, which applies the policy itself. */
const POLICY_FLAGS = new Set(['--settle', '--measure', '--cooldown', '--hourly-budget', '--keep-neutral', '--no-keep-neutral']);
function policyArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag] = a.split('=');
    if (!POLICY_FLAGS.has(flag!)) continue;
    out.push(a);
    const takesValue = !a.includes('=') && !flag!.endsWith('neutral') && i + 1 < args.length;
    if (takesValue) out.push(args[++i]!);
  }
  return out;
}

/**
 * V8 flags for the scraper, which does little work in between scrapes: lite mode
 * skips the optimising compiler and its feedback, about 7 MB of RSS at no
 * measurable CPU cost. Only for a process that never makes an HTTP request: lite
 * mode disables WebAssembly, and Node's fetch (undici) needs it for its HTTP
 * parser, so the first request would crash the process. The agent talks to a
 * model when a key is set, so it runs without it; ingest and the supervisor
 * have hot loops that need the optimising compiler.
 */
export const LIGHT_NODE = ['--lite-mode'];

function nodeScript(file: string, what: string): Pick<ComponentSpec, 'command' | 'missing'> {
  const missing = fs.existsSync(file)
    ? undefined
    : { reason: `${path.relative(process.cwd(), file) || file} is missing`, fix: `build it: npm run build (${what})` };
  return { command: process.execPath, missing };
}

export function systemComponents(o: SystemOptions): ComponentSpec[] {
  const dist = o.distDir ?? DIST;
  const tracerDir = o.tracerDir ?? TRACER_BIN_DIR;
  const common = ['--log-dir', o.logDir, '--log-level', o.logLevel];
  const ingest = path.join(dist, 'ingest', 'main.js');
  const scraper = path.join(dist, 'scraper', 'main.js');
  const agent = path.join(dist, 'agent', 'main.js');
  const exporter = path.join(dist, 'exporter', 'main.js');
  const executorMain = path.join(dist, 'agent', 'executor', 'executor-main.js');
  const user = o.plan?.user && { uid: o.plan.user.uid, gid: o.plan.user.gid };
  const asUser = user ? { user } : {};
  const list: ComponentSpec[] = [
    { name: 'ingestion', role: 'sink', ...nodeScript(ingest, 'ingest'), args: [ingest, '--db', o.db, ...common], stderr: 'supervisor-log', ...asUser },
    { name: 'scraper', role: 'producer', ...nodeScript(scraper, 'scraper'), args: [...LIGHT_NODE, scraper, '--interval', String(o.scrapeInterval), ...common], stderr: 'supervisor-log', ...asUser },
  ];
  for (const t of o.tracers) {
    const entry = tracerEntry(t)!;
    const bin = path.join(tracerDir, entry.binary);
    list.push({
      name: t,
      role: 'producer',
      command: bin,
      args: [...entry.args],
      stderr: 'own-log',
      ...(user && o.plan?.tracersAsUser.has(t) ? { user } : {}),
      missing: fs.existsSync(bin) ? undefined : { reason: `${bin} is not built`, fix: 'make -C tracers (needs clang, bpftool, libbpf-dev; `npm run doctor` checks)' },
    });
  }
  // Every reader that serves or pushes (/metrics, the pushes, the dashboard) runs
  // in one process: the agent's when there is an agent that will run (one Node
  // runtime fewer), else a process of its own. A live agent without root exits
  // 77, and the readers must not go with it.
  const readers = o.metricsListen !== undefined || o.webListen !== undefined || o.alertmanager !== undefined || o.otlp;
  const agentRuns = o.agent && (o.dryRun || (o.uid ?? process.getuid?.()) === 0 || o.externalExecutor !== undefined);
  const readerArgs = readers ? ['--metrics-listen', o.metricsListen ?? 'none', ...(o.webListen ? ['--web-listen', o.webListen] : []),
    ...(o.alertmanager ? ['--alertmanager', o.alertmanager] : [])] : [];
  const listenFix = 'an address is taken (the line above says which): choose another with --metrics-listen / --web-listen HOST:PORT, or run with --no-metrics / --no-web';
  if (readers && !agentRuns) {
    list.push({
      name: 'exporter', role: 'worker', ...nodeScript(exporter, 'exporter'),
      args: [exporter, '--db', o.db, ...readerArgs, ...common],
      // The dashboard's Ask box answers with the agent's model, so it gets the same key.
      env: o.webListen && o.apiKey ? { [o.apiKeyVar ?? 'GEMINI_API_KEY']: o.apiKey } : undefined,
      fixes: { 78: listenFix },
      stderr: 'supervisor-log',
      ...asUser,
    });
  }
  // Dropping privileges, the agent acts through the executor: the one part that keeps root.
  const viaExecutor = o.agent && user !== undefined && o.externalExecutor === undefined;
  const policy = [...(o.dryRun ? ['--dry-run'] : []),
    ...(o.deny?.length ? ['--deny', o.deny.join(',')] : []), ...(o.denyUids?.length ? ['--deny-uid', o.denyUids.join(',')] : []), ...(o.scopePid !== undefined ? ['--scope-pid', String(o.scopePid)] : [])];
  if (viaExecutor) {
    list.push({
      name: 'executor', role: 'worker', ...nodeScript(executorMain, 'executor'),
      // Lite mode (see LIGHT_NODE): it makes no HTTP request; 6.7 MB of RSS less, measured.
      args: [...LIGHT_NODE, executorMain, '--db', o.db, '--socket', executorSocket(o.db), ...policy, ...policyArgs(o.agentArgs ?? []), ...common],
      fixes: { 77: 'the executor runs as root: start npm start as root' },
      stderr: 'supervisor-log',
    });
  }
  if (o.agent) {
    const a = nodeScript(agent, 'agent');
    const restore = !o.keepChanges && !o.agentArgs?.includes('--restore-on-exit') ? ['--restore-on-exit'] : [];
    list.push({
      name: 'agent',
      role: 'worker',
      ...a,
      missing: a.missing && { reason: 'not installed (dist/agent/main.js is missing)', fix: a.missing.fix },
      args: [agent, '--db', o.db, '--interval', String(o.agentInterval), ...policy.slice(0, o.dryRun ? 1 : 0), ...restore, ...(agentRuns ? readerArgs : []), ...policy.slice(o.dryRun ? 1 : 0),
        ...(viaExecutor ? ['--executor-socket', executorSocket(o.db)] : o.externalExecutor ? ['--executor-socket', o.externalExecutor] : []), ...common, ...(o.agentArgs ?? [])],
      ...asUser,
      env: o.apiKey ? { [o.apiKeyVar ?? 'GEMINI_API_KEY']: o.apiKey } : undefined,
      fixes: { 77: 'run as root (sudo npm start) so the agent may act, or start with --dry-run' },
      stderr: 'supervisor-log',
    });
  }
  return list;
}

/** Parse --tracers: "all", "none", or a comma list of tracer names. */
export function parseTracers(value: string | boolean | undefined): TracerName[] {
  if (value === false || value === 'none' || value === '') return [];
  if (value === undefined || value === true || value === 'all') return [...TRACER_NAMES];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!TRACER_ENTRIES.some((e) => e.name === n)) throw new Error(`unknown tracer ${JSON.stringify(n)}: choose from ${TRACER_NAMES.join(', ')}, all, none`);
  }
  return [...new Set(names)];
}
