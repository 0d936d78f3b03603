// The provider interface through the Anthropic implementation (the real
// `@anthropic-ai/sdk`) against a local server speaking the messages protocol:
// tool use with tool_choice, the model's content blocks (thinking included) back
// unchanged, tool_result by tool_use_id, usage, retries, the key in no error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError } from '../../../lib/llm/errors.js';
import { createProvider } from '../../../lib/llm/index.js';
import type { Message, ToolDeclaration } from '../../../lib/llm/provider.js';
import { errorResponse, startAnthropicServer, textResponse, toolUseResponse } from '../../fixtures/anthropic-server.js';

const KEY = 'sk-ant-TEST-anthropic-key-0123456789';
const TOOLS: ToolDeclaration[] = [
  { name: 'look', description: 'look at something', parameters: { type: 'object', properties: { what: { type: 'string' } }, required: ['what'] } },
  { name: 'finish', description: 'stop', parameters: { type: 'object', properties: {} } },
];
const q: Message[] = [{ role: 'user', text: 'what now?' }];
const anthropic = (url: string, o: { retries?: number; timeoutMs?: number } = {}) =>
  createProvider({ provider: 'anthropic', apiKey: KEY, model: 'claude-test', baseUrl: url, timeoutMs: o.timeoutMs ?? 5000, retries: o.retries ?? 0 });

test('tool use: tool_choice any, tools with input_schema, the raw turn and tool results go back', async (t) => {
  const server = await startAnthropicServer([
    toolUseResponse([{ name: 'look', args: { what: 'disk' }, id: 'toolu_1' }], { thinking: 'hmm' }),
    textResponse('Done.', { usage: { input_tokens: 7, output_tokens: 3 } }),
  ]);
  t.after(() => server.close());
  const p = await anthropic(server.url);
  assert.equal(p.provider, 'anthropic');
  const first = await p.generate({ system: 'be brief', history: q, tools: TOOLS, mode: 'any' });
  assert.deepEqual(first.calls, [{ id: 'toolu_1', name: 'look', args: { what: 'disk' } }]);
  assert.deepEqual(first.usage, { inputTokens: 100, outputTokens: 20, totalTokens: 120 });
  const r1 = server.requests[0]!;
  assert.equal(r1.path, '/v1/messages');
  assert.equal(r1.headers.authorization, `Bearer ${KEY}`, 'this SDK major sends the key as a bearer token');
  assert.equal(r1.body.model, 'claude-test');
  assert.equal(r1.body.system, 'be brief');
  assert.deepEqual(r1.body.tool_choice, { type: 'any' });
  assert.deepEqual(r1.body.tools[0], { name: 'look', description: 'look at something', input_schema: TOOLS[0]!.parameters });
  assert.deepEqual(r1.body.messages, [{ role: 'user', content: 'what now?' }]);

  const history: Message[] = [...q, first.message!, { role: 'tool', results: [{ id: 'toolu_1', name: 'look', response: { output: 'fine' } }] }];
  const second = await p.generate({ system: 'be brief', history, tools: TOOLS, mode: 'none' });
  assert.equal(second.text, 'Done.');
  assert.equal(second.usage.totalTokens, 10);
  const r2 = server.requests[1]!.body;
  assert.deepEqual(r2.tool_choice, { type: 'none' });
  assert.deepEqual(r2.messages[1], { role: 'assistant', content: [
    { type: 'thinking', thinking: 'hmm', signature: 'sig-hmm' },
    { type: 'tool_use', id: 'toolu_1', name: 'look', input: { what: 'disk' } },
  ] }, 'the content blocks go back unchanged');
  assert.deepEqual(r2.messages[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '{"output":"fine"}' }] });
});

test('one allowed tool is named in tool_choice and only it is sent', async (t) => {
  const server = await startAnthropicServer([textResponse('x')]);
  t.after(() => server.close());
  const p = await anthropic(server.url);
  await p.generate({ system: 's', history: q, tools: TOOLS, mode: 'any', allowed: ['finish'] });
  const b = server.requests[0]!.body;
  assert.deepEqual(b.tool_choice, { type: 'tool', name: 'finish' });
  assert.deepEqual(b.tools.map((x: { name: string }) => x.name), ['finish']);
});

test('429 and 500 are retried; a 500 echoing the key and a stalled body end as ModelErrors without it', async (t) => {
  const server = await startAnthropicServer([
    errorResponse(429), errorResponse(500), textResponse('ok'),
    errorResponse(500, `bad key ${KEY}`),
    { kind: 'stall' },
  ]);
  t.after(() => server.close());
  const p = await anthropic(server.url, { retries: 2 });
  assert.equal((await p.generate({ system: 's', history: q, tools: TOOLS, mode: 'auto' })).text, 'ok');
  assert.equal(server.requests.length, 3);
  const once = await anthropic(server.url, { retries: 0, timeoutMs: 400 });
  const fail = (): Promise<ModelError> => once.generate({ system: 's', history: q, tools: TOOLS, mode: 'auto' }).then(() => assert.fail('should throw'), (e: unknown) => { assert.ok(e instanceof ModelError, String(e)); return e; });
  const http = await fail();
  assert.equal(http.code, 'http');
  assert.ok(!http.message.includes(KEY.slice(0, 12)), http.message);
  const stalled = await fail();
  assert.equal(stalled.code, 'timeout', stalled.message);
});
