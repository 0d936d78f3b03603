// The provider interface through the OpenAI-compatible implementation (the real
// `openai` SDK) against a local server speaking chat completions: tools and
// tool_choice restricted to what may be called, multi-turn with tool results,
// usage, retries on 429/5xx, the key in no error, a stalled body ending in a
// timeout, malformed arguments, Ollama without a key, and the JSON-decision mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError } from '../../../lib/llm/errors.js';
import { createProvider, providerConfig, providerFromEnv } from '../../../lib/llm/index.js';
import type { Message, ToolDeclaration } from '../../../lib/llm/provider.js';
import { errorResponse, startOpenAIServer, textResponse, toolCallsResponse } from '../../fixtures/openai-server.js';

const KEY = 'sk-TEST-openai-provider-key-0123456789';
const TOOLS: ToolDeclaration[] = [
  { name: 'look', description: 'look at something', parameters: { type: 'object', properties: { what: { type: 'string' } }, required: ['what'] } },
  { name: 'finish', description: 'stop', parameters: { type: 'object', properties: {} } },
];
const q: Message[] = [{ role: 'user', text: 'what now?' }];
const openai = (url: string, o: { retries?: number; timeoutMs?: number; toolCalls?: 'json' } = {}) =>
  createProvider({ provider: 'openai', apiKey: KEY, model: 'gpt-test', baseUrl: url, timeoutMs: o.timeoutMs ?? 5000, retries: o.retries ?? 0, toolCalls: o.toolCalls });

test('a tool-calling exchange: only the allowed tools, tool_choice required, results by tool_call_id', async (t) => {
  const server = await startOpenAIServer([
    toolCallsResponse([{ name: 'look', args: { what: 'disk' }, id: 'c1' }]),
    textResponse('Done.', { usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } }),
  ]);
  t.after(() => server.close());
  const p = await openai(server.url);
  assert.equal(p.provider, 'openai');
  const history: Message[] = [...q];
  const first = await p.generate({ system: 'be brief', history, tools: TOOLS, mode: 'any', allowed: ['look'] });
  assert.deepEqual(first.calls, [{ id: 'c1', name: 'look', args: { what: 'disk' } }]);
  assert.deepEqual(first.usage, { inputTokens: 100, outputTokens: 20, thoughtTokens: undefined, totalTokens: 120 });
  assert.equal(first.finishReason, 'tool_calls');
  const r1 = server.requests[0]!;
  assert.equal(r1.path, '/v1/chat/completions');
  assert.equal(r1.headers.authorization, `Bearer ${KEY}`);
  assert.equal(r1.body.model, 'gpt-test');
  assert.deepEqual(r1.body.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'what now?' }]);
  assert.deepEqual(r1.body.tools, [{ type: 'function', function: { name: 'look', description: 'look at something', parameters: TOOLS[0]!.parameters } }], 'only the allowed tool is offered');
  assert.deepEqual(r1.body.tool_choice, { type: 'function', function: { name: 'look' } });

  history.push(first.message!, { role: 'tool', results: [{ id: 'c1', name: 'look', response: { output: 'fine' } }] });
  const second = await p.generate({ system: 'be brief', history, tools: TOOLS, mode: 'auto' });
  assert.equal(second.text, 'Done.');
  assert.equal(second.usage.totalTokens, 10);
  const r2 = server.requests[1]!.body;
  assert.equal(r2.tool_choice, 'auto');
  assert.equal(r2.tools.length, 2);
  assert.deepEqual(r2.messages.slice(2), [
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'look', arguments: '{"what":"disk"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: '{"output":"fine"}' },
  ]);
});

test('mode any with several tools is "required"; none keeps the tools declared; calls without ids get paired ids', async (t) => {
  const server = await startOpenAIServer([textResponse('a'), textResponse('b')]);
  t.after(() => server.close());
  const p = await openai(server.url);
  await p.generate({ system: 's', history: q, tools: TOOLS, mode: 'any' });
  assert.equal(server.requests[0]!.body.tool_choice, 'required');
  await p.generate({
    system: 's', tools: TOOLS, mode: 'none',
    history: [...q, { role: 'model', text: '', calls: [{ name: 'look', args: { what: 'x' } }] }, { role: 'tool', results: [{ name: 'look', response: { ok: 1 } }] }],
  });
  const b = server.requests[1]!.body;
  assert.equal(b.tool_choice, 'none');
  assert.equal(b.messages[2].tool_calls[0].id, b.messages[3].tool_call_id);
});

test('429 and 500 are retried with backoff, then the reply is read', async (t) => {
  const server = await startOpenAIServer([errorResponse(429, 'slow down'), errorResponse(500), textResponse('ok')]);
  t.after(() => server.close());
  const p = await openai(server.url, { retries: 2 });
  const turn = await p.generate({ system: 's', history: q, tools: TOOLS, mode: 'auto' });
  assert.equal(turn.text, 'ok');
  assert.equal(server.requests.length, 3);
});

test('failures are ModelErrors without the key: a 500 echoing it, a stalled body, malformed arguments, not a completion', async (t) => {
  const server = await startOpenAIServer([
    errorResponse(500, `upstream rejected Authorization: Bearer ${KEY}`),
    { kind: 'stall' },
    toolCallsResponse([{ name: 'look', args: '{"what": "disk"' }]),
    { kind: 'raw', text: 'this is not json' },
  ]);
  t.after(() => server.close());
  const p = await openai(server.url, { timeoutMs: 400 });
  const req = { system: 's', history: q, tools: TOOLS, mode: 'any' as const };
  const fail = (): Promise<ModelError> => p.generate(req).then(() => assert.fail('should throw'), (e: unknown) => { assert.ok(e instanceof ModelError, String(e)); return e; });
  const http = await fail();
  assert.equal(http.code, 'http');
  assert.match(http.message, /HTTP 500/);
  assert.ok(!http.message.includes(KEY.slice(0, 12)), http.message);
  const t0 = Date.now();
  const stalled = await fail();
  assert.equal(stalled.code, 'timeout', stalled.message);
  assert.ok(Date.now() - t0 < 5000, 'the deadline ends a body that never ends');
  const malformed = await fail();
  assert.equal(malformed.code, 'invalid');
  assert.match(malformed.message, /arguments are not a JSON object/);
  const notJson = await fail();
  assert.ok(!notJson.message.includes(KEY));
});

test('Ollama: OLLAMA_HOST gives the /v1 base, no key is needed, the provider is named ollama', async (t) => {
  const server = await startOpenAIServer([toolCallsResponse([{ name: 'finish', args: {} }])]);
  t.after(() => server.close());
  const choice = providerFromEnv({ KS_LLM_MODEL: 'ollama/qwen3:8b', OLLAMA_HOST: server.origin, OPENAI_API_KEY: 'sk-not-for-ollama' });
  assert.equal(choice.off, undefined);
  const p = await createProvider(providerConfig(choice, { timeoutMs: 5000, retries: 0 }));
  assert.equal(p.provider, 'ollama');
  assert.equal(p.model, 'qwen3:8b');
  const turn = await p.generate({ system: 's', history: q, tools: TOOLS, mode: 'any' });
  assert.deepEqual(turn.calls.map((c) => c.name), ['finish']);
  assert.equal(server.requests[0]!.body.model, 'qwen3:8b');
  assert.doesNotMatch(String(server.requests[0]!.headers.authorization), /sk-not-for-ollama/, 'another provider\'s key is not sent');
});

test('JSON-decision mode: no tools sent, the schemas in the instruction, the JSON answer read as calls, history as text', async (t) => {
  const server = await startOpenAIServer([
    textResponse('<think>the disk</think>```json\n{"calls": [{"name": "look", "arguments": {"what": "disk"}}]}\n```'),
    textResponse('I think you should look at the disk.'),
    textResponse('The disk is fine.'),
    textResponse('The signal reads {"name": "memory_pressure", "severity": "high"}.'),
  ]);
  t.after(() => server.close());
  const p = await openai(server.url, { toolCalls: 'json' });
  const first = await p.generate({ system: 'be brief', history: q, tools: TOOLS, mode: 'any', allowed: ['look'] });
  assert.deepEqual(first.calls.map((c) => [c.name, c.args]), [['look', { what: 'disk' }]]);
  const b1 = server.requests[0]!.body;
  assert.equal(b1.tools, undefined);
  assert.equal(b1.tool_choice, undefined);
  assert.deepEqual(b1.response_format, { type: 'json_object' });
  assert.match(b1.messages[0].content, /^be brief\n\nAnswer with exactly one JSON object/);
  assert.ok(b1.messages[0].content.includes(JSON.stringify(TOOLS[0]!.parameters)), 'the same schema');
  assert.ok(!b1.messages[0].content.includes('"finish"'), 'only the allowed tools');

  const garbage = await p.generate({ system: 's', history: q, tools: TOOLS, mode: 'any' });
  assert.deepEqual(garbage.calls, [], 'prose is no decision');

  const history: Message[] = [...q, first.message!, { role: 'tool', results: [{ name: 'look', response: { output: 'fine' } }] }];
  const answer = await p.generate({ system: 's', history, tools: TOOLS, mode: 'auto' });
  assert.equal(answer.text, 'The disk is fine.');
  assert.deepEqual(answer.calls, []);
  const msgs = server.requests[2]!.body.messages;
  assert.deepEqual(msgs.slice(2), [
    { role: 'assistant', content: '{"calls":[{"name":"look","arguments":{"what":"disk"}}]}' },
    { role: 'user', content: '{"tool_results":[{"name":"look","result":{"output":"fine"}}]}' },
  ]);
  const quoting = await p.generate({ system: 's', history: q, tools: TOOLS, mode: 'auto' });
  assert.deepEqual(quoting.calls, [], 'an answer quoting JSON that names no tool stays an answer');
  assert.match(quoting.text, /^The signal reads/);
});

test('native mode: a call printed as text is read as that call; text naming no declared tool stays text', async (t) => {
  const server = await startOpenAIServer([
    textResponse('{"name": "look", "arguments": {"what": "cpu"}}'),
    textResponse('{"name": "rm_rf", "arguments": {}}'),
  ]);
  t.after(() => server.close());
  const p = await openai(server.url);
  const printed = await p.generate({ system: 's', history: q, tools: TOOLS, mode: 'any' });
  assert.deepEqual(printed.calls.map((c) => [c.name, c.args]), [['look', { what: 'cpu' }]]);
  assert.deepEqual(printed.message, { role: 'model', calls: printed.calls, text: '' });
  const unknown = await p.generate({ system: 's', history: q, tools: TOOLS, mode: 'any' });
  assert.deepEqual(unknown.calls, []);
});
