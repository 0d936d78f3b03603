// `npm run chat`: ask the host what is wrong. Reads the shared database through a
// read-only handle; approvals go through the agent's executor. With the model
// provider configured (KS_LLM_PROVIDER/--provider and its key; Ollama needs none)
// the model answers using read-only tools; without one, rules do.
//   npm run chat                         interactive (or lines on piped stdin)
//   npm run chat -- --ask "what is wrong?"   one answer, then exit
import path from 'node:path';
import { parseDenyList } from '../agent/executor/policy.js';
import { cli, withWindow } from '../lib/config.js';
import fs from 'node:fs';
import { openDatabase, type Db } from '../lib/db.js';
import { dropPrivileges, serviceUser, unreachableBy } from '../lib/service-user.js';
import { executorSocket } from '../agent/executor/wire.js';
import { redactor } from '../lib/llm/errors.js';
import { providerFromEnv } from '../lib/llm/index.js';
import { closeLogger, createLogger } from '../lib/logger.js';
import { ROOT } from '../lib/paths.js';
import { chatModel } from './llm/from-env.js';
import { runRepl } from './repl.js';
import { ChatSession } from './session.js';
import { terminalSafe } from './terminal.js';
import { windowFromFlags } from '../lib/time-window.js';

const argv = withWindow(cli('chat', 'Usage: $0 [--db FILE] [--ask "question"] [--since 1h] [--until now] [--provider P] [--model M] [--rules]\n\nAsk KernelSight what is going on, now or in a time window (--since/--until, or a time in the question). Type /help in the session.'))
  .option('ask', { type: 'string', describe: 'answer this one question (or /command) and exit' })
  .option('provider', { type: 'string', describe: 'model provider: gemini, openai, anthropic, ollama or none (env KS_LLM_PROVIDER; default gemini)' })
  .option('model', { type: 'string', describe: 'model, or provider/model such as ollama/qwen3:8b (env KS_LLM_MODEL or the provider\'s own)' })
  .option('tool-calls', { type: 'string', choices: ['native', 'json'], describe: 'json: the model answers a JSON object instead of calling tools (env KS_LLM_TOOL_CALLS)' })
  .option('rules', { type: 'boolean', default: false, describe: 'answer by the built-in rules even when a model is configured' })
  .option('max-rounds', { type: 'number', default: 6, describe: 'rounds of tool calls per question before the model must answer' })
  .option('model-timeout', { type: 'number', default: 30, describe: 'seconds per model request' })
  .option('model-retries', { type: 'number', default: 2, describe: 'retries per model request (HTTP 408/429/5xx, timeouts)' })
  // /approve and /undo run under the agent's policy (<db dir>/policy.json); these only add to it.
  .option('deny', { type: 'string', default: process.env.KS_DENY ?? '', describe: 'for /approve: process names never to touch, besides the agent\'s deny list (env KS_DENY)' })
  .option('scope-pid', { type: 'number', describe: 'for /approve: only act on descendants of this pid (when the agent has no scope)' })
  .option('settle', { type: 'number', describe: 'for /approve: seconds before VERIFY measures (default: the agent\'s)' })
  .option('measure', { type: 'number', describe: 'for /approve: seconds per before/after window (default: the agent\'s)' })
  .option('history-file', { type: 'string', default: path.join(ROOT, 'data', 'chat_history'), describe: 'where interactive input history is kept ("" for none)' })
  .check((a) => {
    for (const k of ['max-rounds', 'model-timeout', 'settle', 'measure'] as const) {
      if (a[k] === undefined) continue;
      if (!(Number(a[k]) >= 0) || !Number.isFinite(Number(a[k]))) throw new Error(`--${k} must be a number >= 0, got ${String(a[k])}`);
    }
    if (!(Number.isInteger(a['model-retries']) && a['model-retries'] >= 0 && a['model-retries'] <= 10)) throw new Error(`--model-retries must be 0..10, got ${a['model-retries']}`);
    if (a.ask !== undefined && a.ask.trim() === '') throw new Error('--ask needs a question');
    return true;
  })
  .parseSync();

// The terminal belongs to the person typing: logs go to the file only.
// Started by root while the privilege-separated system runs (its executor's socket
// is there): chat needs nothing of root, since /approve and /undo go to the
// executor, so it becomes the kernelsight user before it opens anything.
const dropTo = process.getuid?.() === 0 && fs.existsSync(executorSocket(argv.db)) ? serviceUser() : undefined;
if (dropTo && !unreachableBy(dropTo, argv.db, 4)) dropPrivileges(dropTo);
const log = createLogger('chat', { logDir: argv.logDir, level: argv.logLevel, console: false });
const llm = providerFromEnv(process.env, { provider: argv.provider, model: argv.model, toolCalls: argv.toolCalls });
const redact = redactor(llm.apiKey);

async function exit(code: number, db?: Db): Promise<never> {
  db?.close();
  await closeLogger(log);
  process.exit(code);
}

let db: Db;
try {
  db = openDatabase(argv.db, { readonly: true });
} catch (e) {
  process.stderr.write(`chat: ${redact((e as Error).message)}\n`);
  log.error(`cannot open ${argv.db}: ${(e as Error).message}`);
  await exit(1);
}

// The provider's SDK is loaded only when a model is first asked.
const model = argv.rules ? undefined : chatModel(llm, log, { timeoutMs: argv.modelTimeout * 1000, retries: argv.modelRetries, maxRounds: argv.maxRounds });

const session = new ChatSession({
  db: db!,
  log,
  model,
  rulesReason: argv.rules ? '--rules' : llm.off,
  window: windowFromFlags(argv.since, argv.until, Date.now() / 1000),
  operator: {
    dbFile: argv.db,
    log,
    by: 'chat',
    overrides: {
      denyList: parseDenyList(argv.deny),
      ...(argv.scopePid !== undefined ? { scopePid: argv.scopePid } : {}),
      ...(argv.settle !== undefined ? { settleMs: argv.settle * 1000 } : {}),
      ...(argv.measure !== undefined ? { measureMs: argv.measure * 1000 } : {}),
    },
  },
});
log.info(`chat started: db=${argv.db} mode=${model ? `model ${model.opts.model}` : 'rules'} ${argv.ask !== undefined ? 'one question' : 'interactive'}`);

let code = 0;
try {
  if (argv.ask !== undefined) {
    const reply = await session.handle(argv.ask);
    process.stdout.write(`${terminalSafe(reply.text)}\n`);
  } else {
    const stop = () => void exit(0, db!);
    if (!process.stdin.isTTY) { process.on('SIGTERM', stop); process.on('SIGINT', stop); }
    else process.on('SIGTERM', stop);
    await runRepl(session, {
      input: process.stdin, output: process.stdout, historyFile: argv.historyFile || undefined,
      banner: `KernelSight chat — answers by ${session.mode}. /help for commands, /quit to leave.`,
    });
  }
} catch (e) {
  process.stderr.write(`chat: ${terminalSafe(redact((e as Error).message))}\n`);
  log.error(`chat failed: ${redact((e as Error).stack ?? (e as Error).message)}`);
  code = 1;
}
await exit(code, db!);
