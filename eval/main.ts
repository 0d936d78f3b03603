// `npm run eval`: diagnosis quality measured on the real system. Each scenario
// (eval/scenarios/) runs `npm start`'s system with the agent on (rules) against
// real trouble beside a victim that measures its own harm; one table row per
// scenario, the summary targets under it, JSON to eval/results/latest.json.
// Exit 0 when it ran (targets may fail), 1 with --strict when a target failed,
// 2 on a harness error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cannotRun } from '../harness/system.js';
import { ROOT } from '../lib/paths.js';
import { readSysctl } from '../lib/procfs/sysctl.js';
import type { ScenarioRecord } from './record.js';
import { anyFailed, results, summarize, summaryText, table } from './report.js';
import { runScenario, type RunOptions } from './runner.js';
import { SCENARIOS } from './scenarios/index.js';

const DEFAULT_JSON = path.join(ROOT, 'eval', 'results', 'latest.json');
// A partial run must not overwrite the full run the README's table comes from.
const PARTIAL_JSON = path.join(ROOT, 'eval', 'results', 'partial.json');
const names = SCENARIOS.map((s) => s.name);

const argv = yargs(hideBin(process.argv))
  .scriptName('npm run eval --')
  .usage('Usage: $0 [--only cpu-hog,idle] [--idle-s 600] [--scenario-s 120] [--json PATH] [--strict]')
  .option('only', { type: 'string', describe: `comma-separated scenarios (${names.join(', ')})` })
  .option('idle-s', { type: 'number', default: 600, describe: 'length of the idle scenario, seconds' })
  .option('scenario-s', { type: 'number', default: 120, describe: 'how long each condition runs before the end is judged (extended while a verdict is pending), seconds' })
  .option('agent-interval', { type: 'number', default: 20, describe: "the supervisor's --agent-interval for each run, seconds" })
  .option('json', { type: 'string', describe: `where the results go (default ${path.relative(ROOT, DEFAULT_JSON)}; with --only ${path.relative(ROOT, PARTIAL_JSON)})` })
  .option('strict', { type: 'boolean', default: false, describe: 'exit 1 when a summary target fails' })
  .option('list', { type: 'boolean', default: false, describe: 'list the scenarios and exit' })
  .check((a) => {
    const unknown = (a.only ?? '').split(',').map((s) => s.trim()).filter((s) => s && !names.includes(s));
    if (unknown.length) throw new Error(`unknown scenario ${unknown.map((u) => JSON.stringify(u)).join(', ')}: choose from ${names.join(', ')}`);
    if (!(a['idle-s'] >= 20)) throw new Error(`--idle-s must be >= 20, got ${a['idle-s']}`);
    if (!(a['scenario-s'] >= 30)) throw new Error(`--scenario-s must be >= 30, got ${a['scenario-s']}`);
    if (!(a['agent-interval'] >= 5)) throw new Error(`--agent-interval must be >= 5, got ${a['agent-interval']}`);
    return true;
  })
  .fail((msg, err) => { process.stderr.write(`eval: ${err?.message ?? msg}\n`); process.exit(2); })
  .strict()
  .help()
  .parseSync();
const jsonPath = argv.json ?? (argv.only ? PARTIAL_JSON : DEFAULT_JSON);

if (argv.list) {
  for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(16)} ${s.title}\n`);
  process.exit(0);
}
const why = cannotRun();
if (why) {
  process.stderr.write(`eval: the real system cannot run here: ${why}\n`);
  process.exit(2);
}

const only = argv.only ? new Set(argv.only.split(',').map((s) => s.trim()).filter(Boolean)) : undefined;
const chosen = SCENARIOS.filter((s) => !only || only.has(s.name));
const log = (line: string): void => { process.stderr.write(`[eval ${new Date().toISOString().slice(11, 19)}] ${line}\n`); };
const opts: RunOptions = {
  scenarioS: argv['scenario-s'], idleS: argv['idle-s'], agentInterval: argv['agent-interval'], scrapeInterval: 5,
  baselineS: 15, afterS: 20, log,
};

const started = new Date().toISOString();
const records: ScenarioRecord[] = [];
let stopping = false;
process.on('SIGINT', () => { stopping = true; log('SIGINT: finishing the current scenario, then reporting'); });
for (const sc of chosen) {
  if (stopping) break;
  log(`${sc.name}: ${sc.title}`);
  const r = await runScenario(sc, opts);
  records.push(r);
  log(`${sc.name}: done (${r.error ? `error: ${r.error}` : `${r.signals.length} signals, ${r.decisions.length} decisions`})`);
}

const read = (f: string): string | undefined => { try { return fs.readFileSync(f, 'utf8').trim(); } catch { return undefined; } };
const out = results(records, {
  started, finished: new Date().toISOString(),
  command: ['npm run eval', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
  host: { kernel: os.release(), cpus: os.cpus().length, mem_mb: Math.round(os.totalmem() / 1048576), node: process.version,
    autogroup: readSysctl('kernel.sched_autogroup_enabled'), swap_kb: read('/proc/meminfo')?.match(/^SwapTotal:\s+(\d+)/m)?.[1] ?? null },
  options: { ...opts, log: undefined, only: only ? [...only] : null },
});
fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
fs.writeFileSync(jsonPath, `${JSON.stringify(out, null, 2)}\n`);

process.stdout.write(`\n${table(records)}\n\n${summaryText(summarize(records), records)}\n\nresults written to ${jsonPath}\n`);
if (records.some((r) => r.error)) process.exit(2);
process.exit(argv.strict && anyFailed(out.targets) ? 1 : 0);
