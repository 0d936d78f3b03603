import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateEvent } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { LoadSource, onlineCpus, parseLoadavg } from '../../scraper/load.js';
import { sampleTime } from '../../scraper/source.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');

test('loadavg fixture', () => {
  assert.deepEqual(parseLoadavg(fs.readFileSync(path.join(FIX, 'root/loadavg'), 'utf8')), {
    load1: 2.5, load5: 1.25, load15: 0.75, runnable: 3, total_threads: 456,
  });
  assert.throws(() => parseLoadavg('1.0 2.0\n'), /unexpected format/);
});

test('fixture trees: cpus come from sysfs, and load per CPU uses them', () => {
  const ctx = { procRoot: path.join(FIX, 'root'), sysRoot: path.join(FIX, 'sys'), warnOnce: () => {} };
  const [e] = new LoadSource(ctx).sample(sampleTime());
  const v = validateEvent(e);
  assert.ok(v.type === 'load');
  assert.equal(v.cpus, 4);
  assert.equal(v.load1_per_cpu, 0.625);
});

test('this machine: real CPU count and a plausible loadavg', () => {
  assert.equal(onlineCpus('/sys'), os.cpus().length);
  const [e] = new LoadSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} }).sample(sampleTime());
  const v = validateEvent(e);
  assert.ok(v.type === 'load');
  assert.equal(v.cpus, os.cpus().length);
  assert.ok(v.load1 >= 0 && v.load1 < 1000);
  assert.ok(v.runnable >= 1, 'the reader itself is runnable');
  assert.ok(v.total_threads >= v.runnable);
});
