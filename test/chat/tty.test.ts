// On a terminal (a real pseudo-terminal from util-linux `script`): a banner, the
// prompt, answers, and input history kept in the history file for next time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { DIST } from '../../lib/paths.js';
import { fillDb } from '../fixtures/chat/pipeline.js';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

test('interactive session on a terminal: banner, prompt, answers, persisted history', { skip: hasScript ? false : 'util-linux script(1) not installed' }, async (t) => {
  const data = await fillDb({ seconds: 2, classify: false });
  const hist = path.join(data.dir, 'chat_history');
  fs.writeFileSync(hist, 'an older question\n');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, path.join(DIST, 'chat', 'main.js'), '--db', data.file, '--log-dir', data.dir, '--history-file', hist].map(q).join(' ');
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GEMINI_API_KEY: '', TERM: 'dumb' } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  t.after(() => { clearTimeout(timer); if (child.exitCode === null) child.kill('SIGKILL'); data.cleanup(); });
  child.stdin.write('how is memory\n/quit\n');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, out);
  assert.match(out, /KernelSight chat — answers by built-in rules \(no GEMINI_API_KEY\)/);
  assert.match(out, /kernelsight> /);
  assert.match(out, /Memory \d+\.\d% used at/);
  assert.deepEqual(fs.readFileSync(hist, 'utf8').trim().split('\n'), ['an older question', 'how is memory', '/quit']);
});
