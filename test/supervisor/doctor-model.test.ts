// Doctor's model lines: the configured provider and model and where the data
// goes, whether its key is set (never the key), and with --ping-model whether
// the endpoint answers one tiny request, naming the fix when it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { DIST } from '../../lib/paths.js';
import { checkKey, checkProvider, formatCheck, pingModel } from '../../supervisor/doctor.js';
import { tempDir } from '../../harness/wait.js';
import { errorResponse, startOpenAIServer, textResponse } from '../fixtures/openai-server.js';
import { startAnthropicServer, textResponse as anthropicText } from '../fixtures/anthropic-server.js';

const DOCTOR = path.join(DIST, 'supervisor', 'doctor-main.js');
const SECRET = 'sk-DOCTOR-secret-value-0123456789';

test('the provider line names provider, model and destination; the key line only whether it is set', () => {
  assert.equal(formatCheck(checkProvider({})), 'OK   model provider: gemini/gemini-3-flash-preview (observations and tool results go to Google\'s Gemini API)');
  assert.equal(formatCheck(checkProvider({ KS_LLM_MODEL: 'ollama/qwen3:8b', OLLAMA_HOST: 'gpu:11434' })),
    'OK   model provider: ollama/qwen3:8b at http://gpu:11434/v1 (observations and tool results go to the Ollama server (OLLAMA_HOST, or 127.0.0.1:11434))');
  assert.equal(formatCheck(checkProvider({ KS_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: 'https://user:pw@gw.example/v1' })).includes('pw'), false, 'no credentials of a URL');
  assert.equal(formatCheck(checkProvider({ KS_LLM_PROVIDER: 'none' })), 'OK   model provider: none: the rules decide and chat answers by rules');
  assert.match(formatCheck(checkProvider({ KS_LLM_PROVIDER: 'gtp' })), /^WARN model provider: unknown model provider KS_LLM_PROVIDER="gtp".* — set KS_LLM_PROVIDER to one of gemini, openai, ollama, anthropic, none$/);
  assert.equal(formatCheck(checkKey({ KS_LLM_PROVIDER: 'anthropic' })), 'WARN ANTHROPIC_API_KEY: not set: the agent decides on rules only — export ANTHROPIC_API_KEY=... before npm start');
  assert.equal(formatCheck(checkKey({ KS_LLM_PROVIDER: 'openai', OPENAI_API_KEY: SECRET })), 'OK   OPENAI_API_KEY: set');
  assert.equal(formatCheck(checkKey({ KS_LLM_PROVIDER: 'ollama' })), 'OK   ollama key: none needed');
});

test('--ping-model: an answering endpoint is OK; a refused key, a missing model and an unreachable Ollama name their fix', async (t) => {
  const server = await startOpenAIServer([textResponse('OK'), errorResponse(401, `bad key ${SECRET}`), errorResponse(404, 'model "qwen9" not found')]);
  const claude = await startAnthropicServer([anthropicText('OK')]);
  t.after(async () => { await server.close(); await claude.close(); });
  const env = { KS_LLM_PROVIDER: 'openai', OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: server.url, KS_LLM_MODEL: 'gpt-test' };
  assert.match(formatCheck(await pingModel(env)), /^OK   model answers: openai\/gpt-test answered in \d+ ms$/);
  assert.equal(server.requests[0]!.body.tools, undefined, 'one tiny request, no tools');
  const refused = formatCheck(await pingModel(env));
  assert.match(refused, /^WARN model answers: .*HTTP 401.* — check OPENAI_API_KEY: the endpoint refused it$/);
  assert.ok(!refused.includes(SECRET.slice(0, 12)), refused);
  assert.match(formatCheck(await pingModel({ KS_LLM_MODEL: 'ollama/qwen9', OLLAMA_HOST: server.origin })), /HTTP 404.* — check the model name \(KS_LLM_MODEL=qwen9\): ollama pull qwen9$/);
  const closed = server.origin.replace(/:\d+$/, ':9');
  assert.match(formatCheck(await pingModel({ KS_LLM_PROVIDER: 'ollama', OLLAMA_HOST: closed }, 2000)), /^WARN model answers: ollama\/qwen3:8b at http:\/\/127\.0\.0\.1:9\/v1 did not answer: .* — start Ollama \(ollama serve\) or point OLLAMA_HOST at it; then ollama pull qwen3:8b$/);
  assert.match(formatCheck(await pingModel({ KS_LLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: SECRET, ANTHROPIC_BASE_URL: claude.url })), /^OK   model answers: anthropic\/claude-sonnet-4-5/);
  assert.equal(formatCheck(await pingModel({ KS_LLM_PROVIDER: 'none' })), 'WARN model answers: not asked: model provider "none"');
});

test('doctor --ping-model as a command: the provider, its key set, the answer, never the key', async (t) => {
  const server = await startOpenAIServer([textResponse('OK')]);
  const dir = tempDir();
  t.after(async () => { await server.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  // Asynchronous: the stand-in server answers from this process.
  const r = await promisify(execFile)(process.execPath, [DOCTOR, '--db', path.join(dir, 'ks.db'), '--log-dir', path.join(dir, 'logs'), '--ping-model'], {
    env: { ...process.env, KS_LLM_PROVIDER: 'openai', KS_LLM_MODEL: 'gpt-test', OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: server.url },
  }).catch((e: { stdout: string }) => e);
  assert.match(r.stdout, /^OK {3}model provider: openai\/gpt-test at http:\/\/127\.0\.0\.1:\d+\/v1 /m, r.stdout);
  assert.match(r.stdout, /^OK {3}OPENAI_API_KEY: set$/m);
  assert.match(r.stdout, /^OK {3}model answers: openai\/gpt-test answered in \d+ ms$/m);
  assert.ok(!r.stdout.includes(SECRET));
});
