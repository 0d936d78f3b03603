import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeEvent, type KsEvent } from '../../lib/events.js';
import { closeLogger, createLogger } from '../../lib/logger.js';
import { RoundRunner } from '../../scraper/round.js';
import type { Source } from '../../scraper/source.js';

const enoent = () => Object.assign(new Error('ENOENT: no such file or directory, open \'/proc/pressure/cpu\''), { code: 'ENOENT' });

test('a missing source is reported once, a broken one loses only its round, bad events never leave', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-round-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const log = createLogger('scraper', { logDir: dir, console: false });
  let missing = true;
  let round = 0;
  const sources: Source[] = [
    { name: 'gone', sample: () => { if (missing) throw enoent(); return []; } },
    { name: 'broken', sample: () => { throw new Error('stat: unexpected format "garbage"'); } },
    { name: 'nan', sample: (now) => [makeEvent('load', { load1: Number.NaN, load5: 0, load15: 0, cpus: 1, runnable: 1, total_threads: 1, load1_per_cpu: 0 }, now.ts)] },
    { name: 'good', sample: (now) => [makeEvent('load', { load1: round, load5: 0, load15: 0, cpus: 1, runnable: 1, total_threads: 1, load1_per_cpu: round }, now.ts)] },
  ];
  const runner = new RoundRunner(sources, log);
  const out: KsEvent[][] = [];
  for (round = 0; round < 3; round++) out.push(runner.run({ ts: Date.now() / 1000, mono: round }));
  missing = false;
  out.push(runner.run({ ts: Date.now() / 1000, mono: 3 }));
  await closeLogger(log);

  assert.deepEqual(out.map((r) => r.map((e) => (e.type === 'load' ? e.load1 : -1))), [[0], [1], [2], [3]]);
  assert.equal(runner.failures.get('broken'), 4);
  assert.equal(runner.failures.get('nan'), 4);
  assert.equal(runner.failures.has('gone'), false, 'missing is not a failure');
  const text = fs.readFileSync(path.join(dir, 'scraper.log'), 'utf8');
  assert.equal(text.match(/source gone unavailable/g)?.length, 1);
  assert.match(text, /source gone is readable again/);
  assert.match(text, /source broken skipped this round: stat: unexpected format/);
  assert.match(text, /source nan skipped this round: load\.load1 should be num/);
  assert.equal(text.match(/source broken skipped/g)?.length, 3, 'error logs are rate-limited');
});
