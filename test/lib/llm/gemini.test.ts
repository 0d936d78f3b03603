// The provider interface through its Gemini implementation, against the local
// server speaking the Gemini REST protocol: provider-neutral history in, the
// REST request out (modes, allowed names, the model's own turn sent back
// unchanged, tool results with their ids), the reply as a Turn, and every
// failure as a ModelError with the key redacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError } from '../../../lib/llm/errors.js';
import { createProvider, providerFromEnv, providerName } from '../../../lib/llm/index.js';
import type { Message, ToolDeclaration } from '../../../lib/llm/provider.js';
import { errorResponse, functionCallResponse, startGeminiServer, textResponse } from '../../fixtures/gemini-server.js';

const KEY = 'AIzaTEST-provider-key-0123456789';
const TOOLS: ToolDeclaration[] = [
  { name: 'look', description: 'look at something', parameters: { type: 'object', properties: { what: { type: 'string' } }, required: ['what'] } },
  { name: 'finish', description: 'stop', parameters: { type: 'object', properties: {} } },
];
const provider = (url: string, model = 'gemini-3-flash-preview') => createProvider({ provider: 'gemini', apiKey: KEY, model, baseUrl: url, timeoutMs: 5000, retries: 0 });

test('a tool-calling exchange: modes, allowed names, the raw model turn and tool results go back', async (t) => {
  const server = await startGeminiServer([
    functionCallResponse([{ name: 'look', args: { what: 'disk' }, id: 'c1' }, { name: 'finish', args: {} }], { thoughtSignature: 'sig-A' }),
    textResponse('Done.', { usage: { promptTokenCount: 7, candidatesTokenCount: 3, totalTokenCount: 10 } }),
  ]);
  t.after(() => server.close());
  const p = await provider(server.url);
  assert.equal(p.provider, 'gemini');
  const history: Message[] = [{ role: 'user', text: 'what now?' }];
  const first = await p.generate({ system: 'be brief', history, tools: TOOLS, mode: 'any', allowed: ['look'], effort: 'low' });
  assert.deepEqual(first.calls, [{ name: 'look', args: { what: 'disk' }, id: 'c1' }, { name: 'finish', args: {} }]);
  assert.deepEqual(first.usage, { inputTokens: 100, outputTokens: 20, thoughtTokens: 10, totalTokens: 130 });
  assert.equal(first.finishReason, 'STOP');
  const body1 = server.requests[0]!.body;
  assert.equal(server.requests[0]!.headers['x-goog-api-key'], KEY);
  assert.deepEqual(body1.contents, [{ role: 'user', parts: [{ text: 'what now?' }] }]);
  assert.deepEqual(body1.toolConfig.functionCallingConfig, { mode: 'ANY', allowedFunctionNames: ['look'] });
  assert.equal(body1.generationConfig.thinkingConfig.thinkingLevel, 'LOW');
  assert.deepEqual(body1.tools[0].functionDeclarations[0], { name: 'look', description: 'look at something', parametersJsonSchema: TOOLS[0]!.parameters });
  assert.match(JSON.stringify(body1.systemInstruction), /be brief/);

  history.push(first.message!, { role: 'tool', results: [{ id: 'c1', name: 'look', response: { output: 'fine' } }, { name: 'finish', response: { ok: true } }] });
  const second = await p.generate({ system: 'be brief', history, tools: TOOLS, mode: 'none' });
  assert.equal(second.text, 'Done.');
  assert.deepEqual(second.calls, []);
  assert.equal(second.usage.totalTokens, 10);
  const body2 = server.requests[1]!.body;
  assert.equal(body2.toolConfig.functionCallingConfig.mode, 'NONE');
  assert.equal(body2.generationConfig?.thinkingConfig, undefined, 'effort not asked for');
  assert.deepEqual(body2.contents[1], { role: 'model', parts: [
    { functionCall: { name: 'look', args: { what: 'disk' }, id: 'c1' }, thoughtSignature: 'sig-A' },
    { functionCall: { name: 'finish', args: {} } },
  ] }, 'the model turn goes back unchanged, signature included');
  assert.deepEqual(body2.contents[2], { role: 'user', parts: [
    { functionResponse: { id: 'c1', name: 'look', response: { output: 'fine' } } },
    { functionResponse: { name: 'finish', response: { ok: true } } },
  ] });
});

test('a model turn from another provider is rebuilt from its calls and text', async (t) => {
  const server = await startGeminiServer([textResponse('ok')]);
  t.after(() => server.close());
  const p = await provider(server.url, 'gemini-2.5-flash');
  await p.generate({
    system: 's', tools: TOOLS, mode: 'auto', effort: 'low',
    history: [{ role: 'user', text: 'q' }, { role: 'model', text: 'let me look', calls: [{ name: 'look', args: { what: 'x' } }], raw: { provider: 'other', turn: { secret: 1 } } }],
  });
  const body = server.requests[0]!.body;
  assert.deepEqual(body.contents[1], { role: 'model', parts: [{ text: 'let me look' }, { functionCall: { name: 'look', args: { what: 'x' } } }] });
  assert.equal(body.toolConfig.functionCallingConfig.mode, 'AUTO');
  assert.equal(body.toolConfig.functionCallingConfig.allowedFunctionNames, undefined);
  assert.equal(body.generationConfig?.thinkingConfig, undefined, 'older models keep their default thinking');
});

test('failures are ModelErrors with bounded codes and no key; an empty reply has no message', async (t) => {
  const server = await startGeminiServer([
    errorResponse(500, `upstream said key=${KEY}`),
    { kind: 'json', body: { candidates: [{ finishReason: 'SAFETY', index: 0 }], promptFeedback: { blockReason: 'SAFETY' } } },
    { kind: 'hang' },
  ]);
  t.after(() => server.close());
  const p = await createProvider({ provider: 'gemini', apiKey: KEY, model: 'gemini-3-flash-preview', baseUrl: server.url, timeoutMs: 400, retries: 0 });
  const req = { system: 's', history: [{ role: 'user', text: 'q' }] as Message[], tools: TOOLS, mode: 'auto' as const };
  const http = await p.generate(req).then(() => assert.fail('should throw'), (e: unknown) => e);
  assert.ok(http instanceof ModelError);
  assert.equal(http.code, 'http');
  assert.match(http.message, /HTTP 500/);
  assert.ok(!http.message.includes(KEY.slice(0, 12)), http.message);
  const empty = await p.generate(req);
  assert.equal(empty.message, null);
  assert.equal(empty.blockReason, 'SAFETY');
  const hung = await p.generate(req).then(() => assert.fail('should throw'), (e: unknown) => e);
  assert.ok(hung instanceof ModelError);
  assert.equal(hung.code, 'timeout');
});

test('the registry: env picks provider, key and model; an unknown provider shows the bad value', () => {
  assert.deepEqual(providerFromEnv({ GEMINI_API_KEY: ' k ', GEMINI_BASE_URL: 'http://x', GEMINI_MODEL: 'm1' }),
    { provider: 'gemini', apiKey: 'k', baseUrl: 'http://x', model: 'm1', keyVar: 'GEMINI_API_KEY', toolCalls: 'native' });
  assert.equal(providerFromEnv({ GEMINI_MODEL: 'm1', KS_LLM_MODEL: 'm2' }).model, 'm2');
  assert.equal(providerFromEnv({}).model, 'gemini-3-flash-preview');
  assert.equal(providerFromEnv({}).apiKey, '');
  assert.throws(() => providerName('gpt'), /unknown model provider KS_LLM_PROVIDER="gpt": expected one of gemini, openai, ollama, anthropic, none/);
});
