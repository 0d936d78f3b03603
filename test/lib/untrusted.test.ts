// Untrusted text and settings that reach root or a model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readPolicy, writePolicy } from '../../agent/executor/policy.js';
import { DEFAULT_EXECUTOR_CONFIG } from '../../agent/executor/types.js';
import { providerFromEnv } from '../../lib/llm/index.js';
import { escapeUntrusted } from '../../lib/sanitize.js';
import { tempDir } from '../../harness/wait.js';

test('every invisible format character is removed, bidi controls shown escaped', () => {
  const hostile = 'ok\u206a\u{E0041}\u200b\ufff9x\u3164\u202eevil';
  assert.equal(escapeUntrusted(hostile), 'okx\\u202eevil');
});

test('a policy file others could have written is refused, not used', (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.chmodSync(dir, 0o750);
  const db = path.join(dir, 'k.db');
  const file = writePolicy(db, { ...DEFAULT_EXECUTOR_CONFIG, denyList: ['myapp'] });
  assert.deepEqual(readPolicy(db).config.denyList, ['myapp']);
  fs.chmodSync(file, 0o666);
  assert.throws(() => readPolicy(db), /refusing the executor policy: .* is group or world writable/);
  fs.chmodSync(file, 0o600);
  fs.chmodSync(dir, 0o777);
  assert.throws(() => readPolicy(db), /refusing the executor policy: .* is group or world writable/);
  fs.chmodSync(dir, 0o750);
  fs.rmSync(file);
  fs.symlinkSync('/etc/hostname', file);
  assert.throws(() => readPolicy(db), /refusing the executor policy: .* is not a regular file \(a symbolic link\)/);
});

test('a mistyped KS_LLM_PROVIDER means rules, with the reason, not a crash', () => {
  const c = providerFromEnv({ KS_LLM_PROVIDER: 'gemeni', GEMINI_API_KEY: 'k' });
  assert.equal(c.apiKey, '', 'no model is used');
  assert.match(c.problem ?? '', /unknown model provider KS_LLM_PROVIDER="gemeni".*the rules decide/);
});
