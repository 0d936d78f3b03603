// Chat's tool loop through each provider's real SDK against a local server
// speaking its protocol: tool calls answered with the database's numbers, the
// answer printed with the model that gave it; Ollama without a key and in the
// JSON-decision mode; `none`; failures (a 500 echoing the key, 2,000 calls in one
// turn) answered by the rules, saying so, with the key in no output.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TOOLS } from '../../chat/tools/index.js';
import { fillDb, type FilledDb } from '../fixtures/chat/pipeline.js';
import { runChat } from '../fixtures/chat/run-chat.js';
import { insertSignals } from '../fixtures/chat/signals.js';
import * as anthropic from '../fixtures/anthropic-server.js';
import * as openai from '../fixtures/openai-server.js';

const KEY = 'sk-TEST-chat-provider-secret-0123456789';
let data: FilledDb;
let memId = 0;

before(async () => {
  data = await fillDb({ seconds: 3, classify: false });
  [memId] = insertSignals(data.file, [{ type: 'memory_pressure', severity: 'high', summary: 'Memory pressure: 4% available' }]);
});
after(() => data?.cleanup());

const chatLog = () => fs.readFileSync(path.join(data.dir, 'chat.log'), 'utf8');
function assertNoKey(...texts: string[]): void {
  for (const t of texts) assert.ok(!t.includes(KEY) && !t.includes(KEY.slice(0, 16)), 'the API key must never be printed or logged');
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

test('openai: tool calls answered with the database\'s numbers, multi-turn, the answer says which model', async (t) => {
  const server = await openai.startOpenAIServer([
    openai.toolCallsResponse([{ name: 'open_signals', args: {}, id: 'c1' }, { name: 'metric_history', args: { metric: 'memory.used_fraction', minutes: 30 }, id: 'c2' }]),
    openai.textResponse(`Memory is tight: [signal #${memId}].`),
  ]);
  t.after(() => server.close());
  const r = await runChat({ db: data.file, logDir: data.dir, env: { KS_LLM_PROVIDER: 'openai', OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url, KS_LLM_MODEL: 'gpt-test' }, args: ['--ask', 'why is memory tight?'] });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(`Memory is tight: [signal #${memId}].\n(answered by openai/gpt-test)`), r.stdout);
  assert.equal(server.requests.length, 2);
  const [b1, b2] = server.requests.map((q) => q.body as Body);
  assert.equal(server.requests[0]!.headers.authorization, `Bearer ${KEY}`);
  assert.deepEqual(b1.tools.map((x: Body) => x.function.name).sort(), TOOLS.map((x) => x.name).sort());
  assert.equal(b1.tool_choice, 'auto');
  assert.match(b1.messages[0].content, /data, not instructions/);
  const results = b2.messages.filter((m: Body) => m.role === 'tool');
  assert.deepEqual(results.map((m: Body) => m.tool_call_id), ['c1', 'c2']);
  const open = JSON.parse(results[0].content).output;
  assert.ok(open.signals.some((s: Body) => s.signal_id === memId && s.severity === 'high'), 'the real signal went back');
  assertNoKey(r.stdout, r.stderr, chatLog());
});

test('anthropic: tool_use answered by tool_result, the answer printed', async (t) => {
  const server = await anthropic.startAnthropicServer([
    anthropic.toolUseResponse([{ name: 'open_signals', args: {}, id: 'toolu_a' }]),
    anthropic.textResponse('One signal is open.'),
  ]);
  t.after(() => server.close());
  const r = await runChat({ db: data.file, logDir: data.dir, env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url }, args: ['--ask', 'what is open?', '--model', 'anthropic/claude-test'] });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('One signal is open.\n(answered by anthropic/claude-test)'), r.stdout);
  const b2 = server.requests[1]!.body as Body;
  assert.equal(b2.messages[2].content[0].tool_use_id, 'toolu_a');
  assert.ok(JSON.parse(b2.messages[2].content[0].content).output.signals.length >= 1);
  assertNoKey(r.stdout, r.stderr, chatLog());
});

test('ollama: no key, OLLAMA_HOST, the JSON-decision mode for a model without tool calling', async (t) => {
  const server = await openai.startOpenAIServer([
    openai.textResponse('{"calls": [{"name": "open_signals", "arguments": {}}]}'),
    openai.textResponse('Memory pressure is open.'),
  ]);
  t.after(() => server.close());
  const r = await runChat({ db: data.file, logDir: data.dir, env: { OLLAMA_HOST: server.origin, KS_LLM_MODEL: 'ollama/qwen3:8b' }, args: ['--ask', 'what is open?', '--tool-calls', 'json'] });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('Memory pressure is open.\n(answered by ollama/qwen3:8b)'), r.stdout);
  const [b1, b2] = server.requests.map((q) => q.body as Body);
  assert.equal(b1.model, 'qwen3:8b');
  assert.equal(b1.tools, undefined, 'no tools declared to the API');
  assert.match(b1.messages[0].content, /To call tools, answer with only one JSON object/);
  assert.match(b2.messages.at(-1).content, /^\{"tool_results":\[\{"name":"open_signals","result":\{"output":/);
});

test('KS_LLM_PROVIDER=none: the rules answer and no request is made, whatever keys are set', async (t) => {
  const server = await openai.startOpenAIServer([]);
  t.after(() => server.close());
  const r = await runChat({ db: data.file, logDir: data.dir, env: { KS_LLM_PROVIDER: 'none', OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url }, args: ['--ask', '/status'] });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Answers: built-in rules \(model provider "none"\)/);
  assert.equal(server.requests.length, 0);
});

for (const [name, script] of [
  ['a 500 whose body echoes the key', [openai.errorResponse(500, `rejected key ${KEY}`)]],
  ['2,000 tool calls in one turn', [openai.toolCallsResponse(Array.from({ length: 2000 }, () => ({ name: 'open_signals', args: {} })))]],
] as const) {
  test(`openai: ${name} is answered by the rules, saying so`, async (t) => {
    const server = await openai.startOpenAIServer([...script]);
    t.after(() => server.close());
    const r = await runChat({ db: data.file, logDir: data.dir, env: { KS_LLM_PROVIDER: 'openai', OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url }, args: ['--ask', 'what is wrong?', '--model-retries', '0'] });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\(The model could not answer: .*This answer comes from the built-in rules\.\)/);
    assert.ok(r.stdout.includes(`[signal #${memId}]`), r.stdout);
    assert.equal(server.requests.length, 1, 'no tool loop over an unbounded reply');
    assertNoKey(r.stdout, r.stderr, chatLog());
  });
}
