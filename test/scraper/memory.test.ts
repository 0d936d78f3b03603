import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateEvent } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { parseMeminfo } from '../../lib/procfs/meminfo.js';
import { MemorySource, memoryFields } from '../../scraper/memory.js';
import { sampleTime } from '../../scraper/source.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');
const ctx = (procRoot: string) => ({ procRoot, sysRoot: '/sys', warnOnce: () => {} });

test('meminfo fixture with zero swap', () => {
  const f = memoryFields(parseMeminfo(fs.readFileSync(path.join(FIX, 'root/meminfo'), 'utf8')));
  assert.equal(f.total_kb, 8_000_000);
  assert.equal(f.available_kb, 2_000_000);
  assert.equal(f.swap_total_kb, 0);
  assert.equal(f.swap_free_kb, 0);
  assert.equal(f.anon_kb, 4_100_000);
  assert.equal(f.slab_kb, 250_000);
  assert.equal(f.dirty_kb, 1234);
  assert.equal(f.used_fraction, 0.75);
});

test('meminfo without MemAvailable (old kernel) estimates it from free + buffers + cached', () => {
  const f = memoryFields(parseMeminfo(fs.readFileSync(path.join(FIX, 'edge/meminfo-no-available'), 'utf8')));
  assert.equal(f.available_kb, 300_000);
  assert.equal(f.used_fraction, 0.7);
  assert.equal(f.shmem_kb, 0, 'absent lines read as 0');
});

test('meminfo without MemTotal is a parse error, not a division by zero', () => {
  assert.throws(() => memoryFields(parseMeminfo('MemFree: 10 kB\n')), /MemTotal/);
});

test('this machine: memory event is valid and plausible on the first sample', () => {
  const [e] = new MemorySource(ctx('/proc')).sample(sampleTime());
  const v = validateEvent(e);
  assert.equal(v.type, 'memory');
  if (v.type !== 'memory') return;
  assert.ok(v.total_kb > 100_000, `total_kb ${v.total_kb}`);
  assert.ok(v.available_kb > 0 && v.available_kb <= v.total_kb);
  assert.ok(v.free_kb <= v.total_kb);
  assert.ok(v.used_fraction > 0 && v.used_fraction < 1, `used_fraction ${v.used_fraction}`);
});
