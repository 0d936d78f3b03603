// `npm start`: flags → component list → runSupervisor. Flags of the original
// launcher keep their names (--no-agent, --agent-interval, --db).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDenyList, parseUids } from '../agent/executor/policy.js';
import { cli } from '../lib/config.js';
import { resolveApiKey } from './apikey.js';
import { KEY_VARIABLES } from '../lib/llm/index.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../lib/backoff.js';
import type { ComponentSpec } from './component.js';
import { DEFAULT_MERGER, type MergerOptions } from './line-merger.js';
import { parseTracers, systemComponents } from './components.js';
import { parseListen } from '../lib/listen.js';
import { makeDir } from '../lib/private-files.js';
import { loadToken } from '../lib/token.js';
import { otlpConfigured } from '../exporter/otlp.js';
import { runSupervisor } from './supervisor.js';
import { planPrivileges, TRACER_CAPS, type PrivilegePlan } from './privileges.js';
import { DIST, ROOT, TRACER_BIN_DIR } from '../lib/paths.js';
import { tracerEntry, TRACER_NAMES, type TracerName } from '../lib/producers.js';
import type { ServiceUser } from '../lib/service-user.js';

/** The readers read the dashboard token: theirs, still 0600. */
function handTokenTo(file: string, u: ServiceUser): void {
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (st?.isFile()) fs.chownSync(file, u.uid, u.gid);
}

const USAGE = `Usage: npm start -- [options]

Runs ingest, the scraper, the four eBPF tracers and the agent; restarts what
fails; Ctrl-C or SIGTERM stops everything (ingest drains last). On stop the
agent restores every change it made (--restore-on-exit); --keep-changes keeps
the ones it verified as helping.`;

/** The hidden --components-file: tests run fixtures in place of the real components. */
interface ComponentsFile {
  readonly components: ComponentSpec[];
  readonly backoff?: Partial<BackoffOptions>;
  readonly drainMs?: number;
  readonly merger?: Partial<MergerOptions>;
  readonly waitForDbMs?: number;
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
  return v;
}

function pid(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a process id (a positive integer), got ${v}`);
  return v;
}

function listenAddress(flag: string, v: string): string {
  try { parseListen(v); } catch (e) { throw new Error(`--${flag}: ${(e as Error).message}`); }
  return v;
}

/**
 * The dashboard's address to print, with the token in the fragment (a browser
 * never sends the fragment to the server, so it is in no request log). The token
 * is made here, before the exporter starts, so it can be printed.
 */
function dashboardUrl(listen: string, dbFile: string): string {
  const a = parseListen(listen);
  makeDir(path.dirname(dbFile));
  const token = loadToken(path.join(path.dirname(dbFile), 'web.token'), 'dashboard token');
  const host = a.host === '0.0.0.0' || a.host === '::' ? os.hostname() : a.host.includes(':') ? `[${a.host}]` : a.host;
  // Port 0: a free port, which only the exporter's log names.
  return a.port === 0 ? `a free port (exporter.log names it); open it with #token=${token}` : `http://${host}:${a.port}/#token=${token}`;
}

export async function startMain(argv?: string[]): Promise<number> {
  const args = await cli('kernelsight', USAGE, argv)
    .option('agent', { type: 'boolean', default: true, describe: 'run the agent (--no-agent: collect and classify only)' })
    .option('agent-interval', { type: 'number', default: 60, describe: 'seconds between agent cycles' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'the agent shows what it would do and does nothing' })
    .option('keep-changes', { type: 'boolean', default: false, describe: 'on stop, keep the changes the agent made and verified (default: the agent restores everything it changed)' })
    .option('deny', { type: 'string', default: '', describe: 'process names the agent never touches, comma-separated ("name" or "prefix*")' })
    .option('deny-uid', { type: 'string', default: '', describe: 'uids whose processes the agent never touches, comma-separated' })
    .option('scope-pid', { type: 'number', describe: 'the agent acts only on descendants of this pid' })
    .option('executor-socket', { type: 'string', describe: 'an executor already running as root (its own systemd unit) at this socket: the agent acts through it, and this supervisor needs no root' })
    .option('metrics', { type: 'boolean', default: true, describe: 'serve Prometheus /metrics (--no-metrics: no exporter)' })
    .option('metrics-listen', { type: 'string', default: '127.0.0.1:9464', describe: 'address of the Prometheus exporter, HOST:PORT' })
    .option('web', { type: 'boolean', default: true, describe: 'serve the dashboard (--no-web: none)' })
    .option('web-listen', { type: 'string', default: '127.0.0.1:8321', describe: 'address of the dashboard, HOST:PORT (any but loopback: every request needs the token)' })
    .option('alertmanager', { type: 'string', describe: 'push medium+ signals and pending approvals to this Alertmanager (base URL, e.g. http://127.0.0.1:9093)' })
    .option('scrape-interval', { type: 'number', default: 5, describe: 'seconds between /proc scrapes' })
    .option('tracers', { type: 'string', default: 'all', describe: 'eBPF tracers to run: all, none, or a list like syscall,sched,page_fault,io_latency (--no-tracers: none)' })
    .option('status-interval', { type: 'number', default: 30, describe: 'seconds between status lines when not on a terminal' })
    .option('stop-timeout', { type: 'number', default: 5, describe: 'seconds a child gets after SIGTERM before SIGKILL' })
    .option('components-file', { type: 'string', hidden: true })
    // Tests confine the agent to their own workloads (--scope-pid) and shorten its waits.
    .option('agent-args', { type: 'string', hidden: true, describe: 'extra agent flags, space-separated: --agent-args="--scope-pid 123 --settle 3"' })
    .example('npm start', 'everything, agent every 60 s')
    .example('npm start -- --no-agent --tracers syscall,sched', 'no agent, two tracers')
    .example('npm start -- --dry-run --agent-interval 30', 'agent proposes, never acts')
    .example('npm start -- --deny postgres,redis* --scope-pid 4242', 'never touch postgres or redis*; only act under pid 4242')
    .parseAsync();

  const tracersFlag = args.tracers as unknown as string | boolean;
  const tty = Boolean(process.stdout.isTTY);
  let components: ComponentSpec[];
  let plan: PrivilegePlan | undefined;
  let backoff = DEFAULT_BACKOFF;
  let drainMs: number | undefined;
  let merger = DEFAULT_MERGER;
  let waitForDbMs: number | undefined;
  if (args.componentsFile) {
    const file = JSON.parse(fs.readFileSync(args.componentsFile, 'utf8')) as ComponentsFile;
    components = file.components;
    backoff = { ...DEFAULT_BACKOFF, ...file.backoff };
    drainMs = file.drainMs;
    merger = { ...DEFAULT_MERGER, ...file.merger };
    waitForDbMs = file.waitForDbMs;
  } else {
    const tracers = parseTracers(tracersFlag);
    // With an executor of its own, the policy is on the executor's command line, not here.
    const policyHere = [args.dryRun && 'dry-run', args.deny && 'deny', args.denyUid && 'deny-uid', args.scopePid !== undefined && 'scope-pid'].filter(Boolean);
    if (args.executorSocket && policyHere.length) throw new Error(`--${policyHere.join(', --')} with --executor-socket: the policy is the executor's; put it on its command line (kernelsight-executor.service's ExecStart)`);
    const wantsAgent = args.agent && fs.existsSync(new URL('../agent/main.js', import.meta.url));
    const key = await resolveApiKey(process.env, { input: process.stdin, output: process.stdout }, wantsAgent);
    // As root: who runs what (privileges.ts); the dashboard token, made before the readers start, goes to their user.
    plan = planPrivileges({
      db: args.db, logDir: args.logDir,
      code: [path.join(DIST, 'start.js'), path.join(ROOT, 'node_modules', 'better-sqlite3', 'package.json')],
      tracers: tracers.map((t) => ({ name: t, bin: path.join(TRACER_BIN_DIR, tracerEntry(t)!.binary) })),
    });
    for (const n of plan.notes) process.stdout.write(`privileges: ${n}\n`);
    components = systemComponents({
      plan, externalExecutor: args.executorSocket,
      db: args.db, logDir: args.logDir, logLevel: args.logLevel,
      scrapeInterval: positive('scrape-interval', args.scrapeInterval),
      tracers, agent: args.agent, agentInterval: positive('agent-interval', args.agentInterval),
      dryRun: args.dryRun, keepChanges: args.keepChanges, apiKey: key?.value, apiKeyVar: key?.variable,
      ...(args.metrics ? { metricsListen: listenAddress('metrics-listen', args.metricsListen) } : {}),
      ...(args.web ? { webListen: listenAddress('web-listen', args.webListen) } : {}),
      ...(args.alertmanager ? { alertmanager: args.alertmanager } : {}),
      otlp: Object.values(otlpConfigured(process.env)).some(Boolean),
      deny: parseDenyList(args.deny), denyUids: parseUids(args.denyUid, '--deny-uid'), scopePid: args.scopePid === undefined ? undefined : pid('scope-pid', args.scopePid),
      agentArgs: args.agentArgs ? args.agentArgs.split(/\s+/).filter(Boolean) : [],
    });
  }

  // Children inherit our environment minus every provider's key (only the agent's
  // spec carries the one it uses), and learn that they are supervised: they log
  // to their file, not stderr.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !KEY_VARIABLES.includes(k)) env[k] = v;
  Object.assign(env, { KS_SUPERVISED: '1', KS_DB: args.db, KS_LOG_DIR: args.logDir, KS_LOG_LEVEL: args.logLevel });

  const web = components.some((c) => c.args?.includes('--web-listen')) && args.web
    ? dashboardUrl(args.webListen, args.db) : undefined;
  if (web) process.stdout.write(`dashboard: ${web}\n`);
  if (web && plan?.user) handTokenTo(path.join(path.dirname(args.db), 'web.token'), plan.user);
  if (plan?.user) {
    const roots = components.filter((c) => !c.user && !c.missing).map((c) => c.name);
    process.stdout.write(`privileges: running as ${plan.user.name} with no capabilities: ${components.filter((c) => c.user && !TRACER_NAMES.includes(c.name as TracerName)).map((c) => c.name).join(', ')}; ` +
      `as ${plan.user.name} with ${TRACER_CAPS.join(',')}: ${[...plan.tracersAsUser].join(', ') || 'none'}; as root: ${roots.join(', ') || 'none'}\n`);
  }

  return runSupervisor({
    components, db: args.db, logDir: args.logDir, logLevel: args.logLevel, env,
    out: process.stdout, tty,
    statusEveryMs: positive('status-interval', args.statusInterval) * 1000,
    stopGraceMs: positive('stop-timeout', args.stopTimeout) * 1000,
    drainMs, backoff, merger, waitForDbMs,
  });
}
