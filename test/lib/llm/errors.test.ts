// The one redactor: keys and tokens in any error text are removed, whatever shape
// an HTTP library or a proxy wrote them back in; the error classifier applies it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError, redact, toModelError } from '../../../lib/llm/errors.js';

test('redact removes the configured secret and anything shaped like an API key', () => {
  const cases: Array<[string, string]> = [
    ['backend rejected AIzaSyD-abcdefghijklmnop_0123', 'backend rejected [redacted]'],
    ['openai: invalid key sk-proj-AbCdEf0123456789xyz', 'openai: invalid key [redacted]'],
    ['anthropic: sk-ant-api03-AbCdEf0123456789', 'anthropic: [redacted]'],
    ['Authorization: Bearer eyJhbGciOi.J9.abc-DEF_123', 'Authorization: Bearer [redacted]'],
    ['GET https://host/v1/models?key=hunter2&alt=sse failed', 'GET https://host/v1/models?key=[redacted]&alt=sse failed'],
    ['headers {"x-goog-api-key": "hunter2", "a": 1}', 'headers {"x-goog-api-key": "[redacted]", "a": 1}'],
    ['x-api-key=hunter2 rejected', 'x-api-key=[redacted] rejected'],
  ];
  for (const [input, want] of cases) assert.equal(redact(input), want, input);
  assert.equal(redact('echo my-own-secret-value twice: my-own-secret-value', ['my-own-secret-value']), 'echo [redacted] twice: [redacted]');
  assert.equal(redact('nothing secret here: skills, AIzas, bearer of news'), 'nothing secret here: skills, AIzas, bearer of news');
});

test('toModelError classifies, redacts before capping, and keeps its own errors', () => {
  const key = 'AIzaTEST-secret-key-0123456789';
  const http = toModelError(Object.assign(new Error(`${'x'.repeat(280)} key=${key}`), { status: 500 }), [key]);
  assert.equal(http.code, 'http');
  assert.match(http.message, /^model request failed \(HTTP 500\): x+/);
  assert.ok(!http.message.includes(key.slice(0, 8)), 'no prefix of the key survives the cap');
  const timeout = toModelError(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }));
  assert.equal(timeout.code, 'timeout');
  assert.match(timeout.message, /^model request timed out or was aborted/);
  const own = new ModelError('model reply has no content', 'invalid');
  assert.equal(toModelError(own), own);
});
