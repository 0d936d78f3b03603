// The model's key reaches the agent's environment (and the dashboard's, for its
// Ask box) and nothing else: not other children, not argv, not a log, not the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseTracers, systemComponents } from '../../supervisor/components.js';
import { KEY_VARIABLES } from '../../lib/llm/index.js';
import { FIXTURES, cleanup, fixture, startSupervisor, type Run } from './helpers.js';
import { tempDir, waitFor } from '../../harness/wait.js';

const SECRET = 'AIzaTEST-never-show-me-0123456789';

test('only the agent spec carries the key, in its environment, never in its arguments', () => {
  const specs = systemComponents({
    db: '/d/ks.db', logDir: '/l', logLevel: 'info', scrapeInterval: 5, tracers: ['syscall', 'sched'],
    agent: true, agentInterval: 60, dryRun: true, apiKey: SECRET, distDir: '/nonexistent', tracerDir: '/nonexistent',
  });
  assert.deepEqual(specs.map((s) => s.name), ['ingestion', 'scraper', 'syscall', 'sched', 'agent']);
  const agent = specs.find((s) => s.name === 'agent')!;
  assert.equal(agent.env?.GEMINI_API_KEY, SECRET);
  assert.ok(!agent.args.join(' ').includes(SECRET));
  const script = agent.args.findIndex((a) => a.endsWith('agent/main.js'));
  assert.deepEqual(agent.args.slice(script + 1), ['--db', '/d/ks.db', '--interval', '60', '--dry-run', '--restore-on-exit', '--log-dir', '/l', '--log-level', 'info']);
  for (const s of specs.filter((x) => x.name !== 'agent')) assert.equal(s.env?.GEMINI_API_KEY, undefined);
  // Nothing is built under /nonexistent: every component says so instead of failing to spawn.
  assert.match(agent.missing?.reason ?? '', /not installed/);
  assert.match(specs.find((s) => s.name === 'syscall')!.missing?.fix ?? '', /make -C tracers/);
});

test('another provider\'s key goes to the agent under its own variable, and to no other child', () => {
  const specs = systemComponents({
    db: '/d/ks.db', logDir: '/l', logLevel: 'info', scrapeInterval: 5, tracers: [],
    agent: true, agentInterval: 60, dryRun: true, apiKey: SECRET, apiKeyVar: 'ANTHROPIC_API_KEY', distDir: '/nonexistent', tracerDir: '/nonexistent',
  });
  assert.deepEqual(specs.find((s) => s.name === 'agent')!.env, { ANTHROPIC_API_KEY: SECRET });
  for (const s of specs.filter((x) => x.name !== 'agent')) assert.equal(s.env, undefined);
});

test('the readers run in the agent\'s process; without an agent the exporter that serves the dashboard gets the key for Ask, in its environment only', () => {
  const base = {
    db: '/d/ks.db', logDir: '/l', logLevel: 'info', scrapeInterval: 5, tracers: [], agent: true, agentInterval: 60, dryRun: true,
    apiKey: SECRET, apiKeyVar: 'OPENAI_API_KEY', metricsListen: '127.0.0.1:9464', distDir: '/nonexistent', tracerDir: '/nonexistent',
  } as const;
  const withAgent = systemComponents({ ...base, webListen: '127.0.0.1:8321' });
  assert.equal(withAgent.find((s) => s.name === 'exporter'), undefined, 'no exporter process beside the agent');
  const agent = withAgent.find((s) => s.name === 'agent')!;
  assert.ok(agent.args.includes('--web-listen') && agent.args.includes('--metrics-listen'), agent.args.join(' '));
  assert.deepEqual(agent.env, { OPENAI_API_KEY: SECRET });
  const withWeb = systemComponents({ ...base, agent: false, webListen: '127.0.0.1:8321' });
  const exporter = withWeb.find((s) => s.name === 'exporter')!;
  assert.deepEqual(exporter.env, { OPENAI_API_KEY: SECRET });
  assert.ok(!exporter.args.join(' ').includes(SECRET));
  assert.ok(exporter.args.includes('--web-listen'));
  for (const s of [...withWeb, ...withAgent].filter((x) => x.name !== 'agent' && x.name !== 'exporter')) assert.equal(s.env, undefined, s.name);
  assert.equal(systemComponents({ ...base, agent: false }).find((s) => s.name === 'exporter')!.env, undefined, 'no dashboard, no key');
  // A live agent without root exits 77: the readers then keep a process of their own.
  const unprivileged = systemComponents({ ...base, dryRun: false, uid: 1000, webListen: '127.0.0.1:8321' });
  assert.ok(unprivileged.find((s) => s.name === 'exporter')?.args.includes('--web-listen'), 'an exporter beside an agent that cannot run');
  assert.ok(!unprivileged.find((s) => s.name === 'agent')!.args.includes('--metrics-listen'));
});

test('--tracers: all, none, a list; unknown names are refused', () => {
  assert.deepEqual(parseTracers('all'), ['syscall', 'sched', 'page_fault', 'io_latency']);
  assert.deepEqual(parseTracers(false), []);
  assert.deepEqual(parseTracers('none'), []);
  assert.deepEqual(parseTracers('sched, syscall,sched'), ['sched', 'syscall']);
  assert.throws(() => parseTracers('syscall,kprobe'), /unknown tracer "kprobe"/);
});

test('children do not inherit any provider\'s key (GEMINI_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY) from the supervisor, and know they are supervised', async (t) => {
  const dir = tempDir();
  let run: Run | undefined;
  t.after(() => cleanup(run, dir));
  const dump = path.join(dir, 'env.json');
  run = startSupervisor(dir, [
    fixture(dir, 'ingestion', 'sink', 'sink.js', ['--out', path.join(dir, 'sink.out')], 'supervisor-log'),
    fixture(dir, 'probe', 'producer', 'env-dump.js', ['--out', dump]),
  ], { env: { ...process.env, GEMINI_API_KEY: SECRET, OPENAI_API_KEY: `${SECRET}-o`, ANTHROPIC_API_KEY: `${SECRET}-a`, OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' } });
  await waitFor(() => fs.existsSync(dump) && fs.statSync(dump).size > 0, 'the env dump');
  const seen = JSON.parse(fs.readFileSync(dump, 'utf8')) as { env: Record<string, string>; argv: string[] };
  assert.deepEqual(KEY_VARIABLES.map((k) => seen.env[k]), KEY_VARIABLES.map(() => undefined));
  assert.equal(seen.env.OPENAI_BASE_URL, 'http://127.0.0.1:1/v1', 'what is not a secret passes');
  assert.equal(seen.env.KS_SUPERVISED, '1');
  assert.equal(seen.env.KS_DB, run.db);
  run.proc.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  for (const f of fs.readdirSync(run.logDir)) assert.ok(!fs.readFileSync(path.join(run.logDir, f), 'utf8').includes(SECRET), `key in ${f}`);
  assert.ok(!run.output().includes(SECRET));
});

test('on a terminal the key prompt does not echo what is typed; Enter alone skips', async () => {
  for (const [typed, want] of [[`${SECRET}\r`, `length ${SECRET.length} in GEMINI_API_KEY`], ['\r', 'none']] as const) {
    const p = spawn('script', ['-qfec', `${process.execPath} ${path.join(FIXTURES, 'prompt-driver.js')}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let screen = '';
    p.stdout!.on('data', (c: Buffer) => (screen += c.toString()));
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    try {
      await waitFor(() => screen.includes('press Enter to run on rules only'), 'the prompt');
      p.stdin!.write(typed);
      await waitFor(() => screen.includes('result:'), 'the result');
      assert.match(screen, new RegExp(`result: ${want}`));
      assert.ok(!screen.includes(SECRET.slice(0, 8)), 'the key was echoed to the terminal');
      p.stdin!.end();
      assert.equal(await exited, 0);
    } finally {
      p.kill('SIGKILL');
    }
  }
});
