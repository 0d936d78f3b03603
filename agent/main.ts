// `npm run agent`: the autonomous loop. Rules decide unless a model provider is
// configured (GEMINI_API_KEY for the default one; KS_LLM_PROVIDER or --provider
// picks another, and Ollama needs no key). With --metrics-listen / --web-listen /
// --alertmanager (as `npm start` passes them) this process also hosts the readers
// (exporter/service.ts): one Node runtime instead of two; they are imported only
// when asked for.
// SIGTERM/SIGINT: abandon the current cycle at its next wait (unverified actions are
// rolled back), restore everything with --restore-on-exit, exit 0.
import { cli } from '../lib/config.js';
import { readerOptions, withReaderFlags } from '../exporter/cli.js';
import type { Exporter } from '../exporter/service.js';
import { openDatabase } from '../lib/db.js';
import { providerConfig, providerFromEnv } from '../lib/llm/index.js';
import { closeLogger, createLogger } from '../lib/logger.js';
import { DEFAULT_AGENT_CONFIG, type AgentConfig } from './config.js';
import { policyPath, writePolicy } from './executor/policy.js';
import { RemotePort } from './executor/client.js';
import { policyOf, withPolicyFlags } from './executor/flags.js';
import { detectController, detectCpuCgroup, sweepOrphanChildren } from './actions/cgroup.js';
import type { ExecutorConfig } from './executor/types.js';
import { AgentLoop } from './loop.js';

const argv = withPolicyFlags(withReaderFlags(cli('agent', 'Usage: $0 [--interval 60] [--dry-run] [--once] [--restore-on-exit] [--provider P] [--model M] [--deny comm1,comm2] [--metrics-listen HOST:PORT] [--web-listen HOST:PORT]'), { metrics: 'none', web: 'none' }))
  .option('interval', { alias: 'agent-interval', type: 'number', default: Number(process.env.KS_AGENT_INTERVAL ?? 60), describe: 'seconds between cycles' })
  .option('once', { type: 'boolean', default: false, describe: 'run one cycle and exit' })
  .option('restore-on-exit', { type: 'boolean', default: false, describe: 'on stop, restore every change still in effect' })
  .option('executor-socket', { type: 'string', describe: 'act through the root executor at this socket (npm start as root); this process then needs no privilege' })
  .option('provider', { type: 'string', describe: 'model provider: gemini, openai, anthropic, ollama or none (env KS_LLM_PROVIDER; default gemini)' })
  .option('model', { type: 'string', describe: 'model, or provider/model such as ollama/qwen3:8b (env KS_LLM_MODEL or the provider\'s own)' })
  .option('tool-calls', { type: 'string', choices: ['native', 'json'], describe: 'json: the model answers a JSON decision instead of calling tools (env KS_LLM_TOOL_CALLS)' })
  .option('max-actions', { type: 'number', default: DEFAULT_AGENT_CONFIG.decide.maxActions, describe: 'actions per cycle at most' })
  .option('model-timeout', { type: 'number', default: 20, describe: 'seconds per model request' })
  .option('model-retries', { type: 'number', default: 2, describe: 'retries per model request' })
  .parseSync();

const llm = providerFromEnv(process.env, { provider: argv.provider, model: argv.model, toolCalls: argv.toolCalls });
const log = createLogger('agent', { logDir: argv.logDir, level: argv.logLevel });

const remote = argv.executorSocket;
if (typeof process.getuid === 'function' && process.getuid() !== 0 && !argv.dryRun && !remote) {
  log.error('the agent changes process priorities, cgroups and sysctls: run it as root, or with --dry-run');
  await closeLogger(log);
  process.exit(77);
}

const base = DEFAULT_AGENT_CONFIG;

/** The executor starts just before the agent: wait for its socket a little. */
async function connectWithRetry(socket: string): Promise<RemotePort> {
  for (let i = 0; ; i++) {
    try { return await RemotePort.connect(socket); } catch (e) { if (i >= 50) throw e; }
    await new Promise((r) => setTimeout(r, 200));
  }
}
let executor: ExecutorConfig;
try {
  executor = policyOf(argv);
} catch (e) {
  log.error((e as Error).message);
  await closeLogger(log);
  process.exit(2);
}
const cfg: AgentConfig = {
  ...base,
  intervalS: argv.interval,
  restoreOnExit: argv.restoreOnExit,
  executor,
  decide: { ...base.decide, maxActions: argv.maxActions, cooldownS: argv.cooldown },
  llm: llm.off === undefined ? { ...providerConfig(llm, { timeoutMs: argv.modelTimeout * 1000, retries: argv.modelRetries }), maxTurns: 3 } : undefined,
};

// A rejection nobody awaited (an SDK's background request, a timer in a library)
// must not end the agent: log it, and the cycle that needed the result falls back
// to the rules through its own try. Node's default would exit the process.
process.on('unhandledRejection', (reason) => {
  log.error(`unhandled rejection (agent keeps running): ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}`);
});

const db = openDatabase(argv.db);
// The operator's paths (npm run actions, chat) act under this same policy: without
// the file they would fall back to the defaults, so an agent that cannot write it does not start.
// Acting through the executor, the executor (root) writes it: a file root trusts is never this process's.
let policyFile = remote ? policyPath(argv.db) : '';
let port: RemotePort | undefined;
try {
  if (!remote) policyFile = writePolicy(argv.db, cfg.executor);
  else port = await connectWithRetry(remote);
} catch (e) {
  log.error(remote ? (e as Error).message : `cannot write the executor policy next to ${argv.db}: ${(e as Error).message}`);
  db.close();
  await closeLogger(log);
  process.exit(1);
}
const loop = new AgentLoop(db, cfg, log, port);
const stop = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    log.info(`${sig}: stopping after the current phase`);
    stop.abort();
  });
}

log.info(`agent started: interval ${cfg.intervalS}s, ${cfg.executor.dryRun ? 'DRY-RUN' : 'live'}${remote ? `, acting through the executor at ${remote}` : ''}, decider ${cfg.llm ? `model ${cfg.llm.provider}/${cfg.llm.model}` : `rules (${llm.off})`}`, {
  db: argv.db, policy: policyFile, deny: cfg.executor.denyList, scope_pid: cfg.executor.scopePid, restore_on_exit: cfg.restoreOnExit,
});
// The readers: an address that is taken is said (with the fix) and the agent
// goes on without that endpoint; its loop matters more than a port.
let readers: Exporter | undefined;
const readerOpts = readerOptions(argv);
// They log to exporter.log, as the exporter component does.
const readerLog = readerOpts && createLogger('exporter', { logDir: argv.logDir, level: argv.logLevel });
if (readerOpts && readerLog) {
  try {
    readers = await (await import('../exporter/service.js')).startExporter(readerOpts, readerLog);
  } catch (e) {
    process.stderr.write(`agent: ${(e as Error).message}\n`);
    log.error(`readers not started: ${(e as Error).message}`);
    readerLog.error((e as Error).message);
  }
}
let code = 0;
try {
  // A previous run killed between EXECUTE and VERIFY left changes nobody judged.
  if (!cfg.executor.dryRun && !remote) {
    const rec = await loop.port.reconcile();
    if (rec.length > 0) log.info(`reconciled ${rec.length} unverified changes from a previous run`, { results: rec.map((r) => `#${r.auditId} ${r.status}: ${r.note}`) });
    const swept = sweepOrphanChildren([detectCpuCgroup(), detectController('io', 'blkio')]);
    if (swept.length > 0) log.info(`removed ${swept.length} empty cgroups of ours whose process is gone`, { dirs: swept });
  }
  await loop.run(stop.signal, argv.once);
  await loop.shutdown();
} catch (e) {
  log.error(`agent failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  code = 1;
} finally {
  await port?.close();
  await readers?.close().catch((e: Error) => log.warn(`closing the readers: ${e.message}`));
  db.close();
  log.info('agent stopped');
  if (readerLog) await closeLogger(readerLog);
  await closeLogger(log);
}
process.exit(code);
