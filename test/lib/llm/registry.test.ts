// Choosing a provider from the conventional variables and the flags: the
// provider/model string form, `none`, keys per provider, Ollama's host forms,
// the JSON-decision switch; and reading calls from a model's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_VARIABLES, ollamaBaseUrl, providerFromEnv, providerName } from '../../../lib/llm/index.js';
import { callsFromText } from '../../../lib/llm/json-calls.js';

test('the provider/model string form names the provider unless one is named; then the model is whole', () => {
  const o = providerFromEnv({ KS_LLM_MODEL: 'ollama/qwen3:8b' });
  assert.deepEqual([o.provider, o.model, o.off, o.baseUrl], ['ollama', 'qwen3:8b', undefined, 'http://127.0.0.1:11434/v1']);
  const flag = providerFromEnv({ KS_LLM_MODEL: 'gemini-2.5-flash' }, { model: 'anthropic/claude-test' });
  assert.deepEqual([flag.provider, flag.model, flag.off], ['anthropic', 'claude-test', 'no ANTHROPIC_API_KEY']);
  // OpenRouter's model names carry a vendor prefix that is also a provider name.
  const router = providerFromEnv({ KS_LLM_PROVIDER: 'openai', KS_LLM_MODEL: 'anthropic/claude-3.5-sonnet', OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'https://openrouter.ai/api/v1' });
  assert.deepEqual([router.provider, router.model, router.baseUrl], ['openai', 'anthropic/claude-3.5-sonnet', 'https://openrouter.ai/api/v1']);
  assert.equal(providerFromEnv({ KS_LLM_PROVIDER: 'openai', KS_LLM_MODEL: 'openai/gpt-x' }).model, 'gpt-x', 'the same prefix is dropped');
  assert.equal(providerFromEnv({ KS_LLM_PROVIDER: 'ollama' }, { provider: 'openai' }).provider, 'openai', 'the flag wins');
});

test('each provider reads its own key; none and a missing key mean rules, saying why', () => {
  assert.deepEqual(KEY_VARIABLES, ['GEMINI_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY']);
  const env = { GEMINI_API_KEY: 'g', OPENAI_API_KEY: ' o ', ANTHROPIC_API_KEY: 'a' };
  assert.equal(providerFromEnv({ ...env, KS_LLM_PROVIDER: 'openai' }).apiKey, 'o');
  assert.equal(providerFromEnv({ ...env, KS_LLM_PROVIDER: 'anthropic', ANTHROPIC_BASE_URL: 'http://gw' }).baseUrl, 'http://gw');
  assert.equal(providerFromEnv({ ...env, KS_LLM_PROVIDER: 'ollama' }).apiKey, '', 'Ollama takes no key, and is not given another provider\'s');
  assert.equal(providerFromEnv({ ...env, KS_LLM_PROVIDER: 'none' }).off, 'model provider "none"');
  assert.equal(providerFromEnv({ ...env }, { provider: 'none' }).off, 'model provider "none"');
  assert.equal(providerFromEnv({ KS_LLM_PROVIDER: 'openai' }).off, 'no OPENAI_API_KEY');
  assert.equal(providerFromEnv({ KS_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' }).off, undefined, 'a local vLLM or llama.cpp server needs no key');
  assert.equal(providerFromEnv({}).off, 'no GEMINI_API_KEY');
  assert.match(providerFromEnv({ KS_LLM_PROVIDER: 'gpt' }).off ?? '', /unknown model provider KS_LLM_PROVIDER="gpt": expected one of gemini, openai, ollama, anthropic, none; the rules decide/);
  assert.throws(() => providerName('none'), /expected one of/);
});

test('OLLAMA_HOST in the forms Ollama accepts; KS_LLM_TOOL_CALLS=json', () => {
  assert.equal(ollamaBaseUrl(undefined), 'http://127.0.0.1:11434/v1');
  assert.equal(ollamaBaseUrl('0.0.0.0'), 'http://127.0.0.1:11434/v1');
  assert.equal(ollamaBaseUrl('gpu-box:9999'), 'http://gpu-box:9999/v1');
  assert.equal(ollamaBaseUrl('https://ollama.example/'), 'https://ollama.example:11434/v1');
  assert.equal(ollamaBaseUrl('http://10.0.0.5:11434/v1'), 'http://10.0.0.5:11434/v1');
  assert.equal(providerFromEnv({ KS_LLM_TOOL_CALLS: 'json' }).toolCalls, 'json');
  assert.equal(providerFromEnv({}, { toolCalls: 'json' }).toolCalls, 'json');
  assert.equal(providerFromEnv({ KS_LLM_TOOL_CALLS: 'yes' }).toolCalls, 'native');
});

test('calls from text: the shapes models print, fenced or wrapped in prose; anything else is no decision', () => {
  const look = [{ name: 'look', args: { what: 'x' } }];
  assert.deepEqual(callsFromText('{"calls": [{"name": "look", "arguments": {"what": "x"}}]}'), look);
  assert.deepEqual(callsFromText('{"name": "look", "args": {"what": "x"}}'), look);
  assert.deepEqual(callsFromText('[{"function": {"name": "look", "arguments": "{\\"what\\": \\"x\\"}"}}]'), look);
  assert.deepEqual(callsFromText('Sure! Here it is:\n{"tool_calls": [{"name": "look", "parameters": {"what": "x"}}]}\nHope that helps.'), look);
  assert.deepEqual(callsFromText('<think>{"name": "nope"}</think>\n```json\n{"name": "look", "arguments": {"what": "x"}}\n```'), look);
  assert.deepEqual(callsFromText('{"calls": []}'), []);
  assert.equal(callsFromText('I would renice t1.'), null);
  assert.equal(callsFromText('{"calls": [{"name": "look", "arguments": {"what": "x"}'), null, 'malformed JSON');
  assert.equal(callsFromText('{"name": 7}'), null);
  assert.equal(callsFromText('{"name": "look", "arguments": [1]}'), null);
  assert.equal(callsFromText('{"name": "rm", "arguments": {}}', new Set(['look'])), null, 'with known names, an undeclared tool is no call');
  assert.deepEqual(callsFromText('{"name": "rm", "arguments": {}}'), [{ name: 'rm', args: {} }], 'without, whoever answers refuses it');
  assert.equal(callsFromText(`{"name": "look", "arguments": {"what": "${'x'.repeat(200_001)}"}}`), null, 'unbounded text is no decision');
});
