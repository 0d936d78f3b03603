// End to end with a model, as users run it: `npm start` with GEMINI_API_KEY and
// GEMINI_BASE_URL set (the base URL points at a local server speaking the Gemini
// REST protocol: no real model is reachable from here). Each component runs with
// the command line the supervisor's own list defines (checked from /proc). A CPU
// hog opens a signal; the model's function call is executed, verified and
// audited as decided by the model; chat --ask, with the same key, answers
// through the model path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { DIST } from '../../lib/paths.js';
import { CPU_ACTION, CPU_ARGS, cpuEffect, runScenario } from '../fixtures/e2e/scenario.js';
import { agentLog, cannotRun } from '../../harness/system.js';
import { competitor, runaway } from '../../harness/workloads.js';
import { functionCallResponse, startGeminiServer, textResponse, type RecordedRequest, type Scripted } from '../fixtures/gemini-server.js';

const skip = cannotRun();
const KEY = 'AIza-e2e-test-key-not-real';
const ANSWER = 'The model says: the CPU is saturated by one process';

const isAgent = (req: RecordedRequest): boolean =>
  (req.body?.tools?.[0]?.functionDeclarations ?? []).some((d: { name?: string }) => d.name === 'lower_process_priority');

/**
 * The agent's requests: renice the target of the first cause that has one.
 * Chat's: look at the open signals, then answer with what the tool returned.
 */
const model: Scripted = (req) => {
  if (isAgent(req)) {
    const obs = JSON.parse(req.body.contents[0].parts[0].text).observation as { causes: Array<{ id: string; target: string | null }> };
    const c = obs.causes.find((x) => x.target) ?? obs.causes[0]!;
    return functionCallResponse([{ name: CPU_ACTION, args: { target: c.target, ...CPU_ARGS, justification: `cause ${c.id} burns the CPU`, cause_id: c.id } }], { thoughtSignature: 'sig-agent' });
  }
  const results = (req.body.contents as Array<{ parts: Array<{ functionResponse?: { response: unknown } }> }>).flatMap((c) => c.parts).filter((p) => p.functionResponse);
  if (results.length === 0) return functionCallResponse([{ name: 'open_signals', args: {} }]);
  return textResponse(`${ANSWER} (${JSON.stringify(results[0]!.functionResponse!.response).includes('cpu_saturation') ? 'cpu_saturation is open' : 'no cpu signal'}).`);
};

test('npm start with a model key: the model decides, its call is executed, verified and audited as the model\'s; chat answers through the model', { skip, timeout: 180_000 }, async (t) => {
  const server = await startGeminiServer([], { whenEmpty: model });
  t.after(() => server.close());
  const r = await runScenario(t, {
    workload: () => runaway(4),
    competitor: competitor(1),
    signalTypes: ['cpu_saturation', 'runaway_process'],
    action: CPU_ACTION,
    effect: cpuEffect,
    mustHelp: true,
    model: { apiKey: KEY, baseUrl: server.url },
    whileRunning: async (sys) => {
      for (const line of agentLog(sys).split('\n').filter((l) => / (decide|execute|verify): /.test(l))) t.diagnostic(`agent.log: ${line}`);
      const chat = await execa(process.execPath, [path.join(DIST, 'chat', 'main.js'), '--db', sys.db, '--log-dir', sys.logDir, '--ask', 'what is wrong?'], {
        reject: false, env: { GEMINI_API_KEY: KEY, GEMINI_BASE_URL: server.url }, extendEnv: true,
      });
      assert.equal(chat.exitCode, 0, chat.stderr);
      assert.match(chat.stdout, new RegExp(`${ANSWER} \\(cpu_saturation is open\\)`), `chat answered from the model path:\n${chat.stdout}`);
    },
  });
  assert.equal(r.decision.decided_by, 'model');
  const agentCalls = server.requests.filter(isAgent);
  assert.ok(agentCalls.length >= 1, 'the agent asked the model');
  assert.ok(server.requests.some((q) => !isAgent(q)), 'chat asked the model');
  for (const q of server.requests) assert.equal(q.headers['x-goog-api-key'], KEY, 'the key reached the model server in its header');
  for (const q of agentCalls) assert.ok(!q.raw.includes('ks-runaway'), 'the agent never sends raw process names');
});
