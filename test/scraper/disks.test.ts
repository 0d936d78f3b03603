import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateEvent, type EventOf } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { DiskSource, blockFields, isVirtualDisk, parseBlockStat } from '../../scraper/disks.js';
import { CounterSet } from '../../scraper/rates.js';
import { sampleTime } from '../../scraper/source.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');
const fixtureCtx = { procRoot: path.join(FIX, 'root'), sysRoot: path.join(FIX, 'sys'), warnOnce: () => {} };

test('stat lines with 17 fields (5.5+) and 11 fields (older kernels)', () => {
  const s = parseBlockStat(fs.readFileSync(path.join(FIX, 'sys/block/vda/stat'), 'utf8'));
  assert.deepEqual(s.counters, {
    reads: 34056, read_sectors: 2392362, read_ticks: 22354, writes: 5788, write_sectors: 968104,
    write_ticks: 2373, io_ticks: 5264, time_in_queue: 25040,
  });
  assert.equal(s.in_flight, 2);
  assert.equal(parseBlockStat(fs.readFileSync(path.join(FIX, 'sys/block/nvme0n1/stat'), 'utf8')).counters.time_in_queue, 100);
  assert.throws(() => parseBlockStat('1 2 3'), /11 fields/);
});

test('iostat-style arithmetic: IOPS, kB/s, util, queue size, await', () => {
  const c = new CounterSet<keyof ReturnType<typeof parseBlockStat>['counters']>();
  const a = parseBlockStat('100 0 1000 50 200 0 2000 150 0 100 400');
  const b = parseBlockStat('300 0 3000 250 400 0 6000 350 3 600 2400');
  c.update('sda', a.counters, 10);
  const f = blockFields('sda', b, c.update('sda', b.counters, 12)!);
  assert.equal(f.reads_per_s, 100);
  assert.equal(f.writes_per_s, 100);
  assert.equal(f.read_kb_per_s, 500); // 2000 sectors * 512 B / 1024 / 2 s
  assert.equal(f.write_kb_per_s, 1000);
  assert.equal(f.util_pct, 25); // 500 ms busy of 2000 ms
  assert.equal(f.queue_depth, 1); // 2000 ms of queue time over 2000 ms
  assert.equal(f.await_ms, 1); // 400 ms of ticks over 400 I/Os
  assert.equal(f.in_flight, 3);
});

test('idle interval: await 0, not NaN', () => {
  const c = new CounterSet<keyof ReturnType<typeof parseBlockStat>['counters']>();
  const a = parseBlockStat('1 0 1 1 1 0 1 1 0 1 1');
  c.update('sda', a.counters, 0);
  assert.equal(blockFields('sda', a, c.update('sda', a.counters, 1)!).await_ms, 0);
});

test('device filter: loop and ram skipped, zram and dm kept', () => {
  assert.equal(isVirtualDisk('loop0'), true);
  assert.equal(isVirtualDisk('ram15'), true);
  assert.equal(isVirtualDisk('zram0'), false);
  assert.equal(isVirtualDisk('dm-0'), false);
  assert.equal(isVirtualDisk('nvme0n1'), false);
});

test('fixture sysfs: first sample nothing, then whole disks only (loop/ram unless asked)', () => {
  const src = new DiskSource(fixtureCtx);
  assert.deepEqual(src.sample({ ts: 1.7e9, mono: 0 }), []);
  const devs = src.sample({ ts: 1.7e9, mono: 1 }).map((e) => (validateEvent(e, 1.7e9) as EventOf<'block'>).dev);
  assert.deepEqual(devs, ['dm-0', 'nvme0n1', 'vda', 'zram0']);
  const all = new DiskSource(fixtureCtx, { includeVirtual: true });
  all.sample({ ts: 1.7e9, mono: 0 });
  assert.deepEqual(all.sample({ ts: 1.7e9, mono: 1 }).map((e) => (e as EventOf<'block'>).dev), ['dm-0', 'loop0', 'nvme0n1', 'ram0', 'vda', 'zram0']);
});

test('this machine: writing and syncing a file shows up as writes', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-disk-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const src = new DiskSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} });
  assert.deepEqual(src.sample(sampleTime()), []);
  const fd = fs.openSync(path.join(dir, 'data'), 'w');
  try {
    fs.writeSync(fd, Buffer.alloc(4 << 20, 7));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const events = src.sample(sampleTime()).map((e) => validateEvent(e) as EventOf<'block'>);
  assert.ok(events.length > 0, 'at least one disk');
  for (const e of events) {
    assert.ok(!/^(loop|ram)\d/.test(e.dev), `${e.dev} should be skipped`);
    assert.ok(e.util_pct >= 0 && e.util_pct <= 100);
    assert.ok(e.queue_depth >= 0 && e.await_ms >= 0);
  }
  const written = events.reduce((s, e) => s + e.write_kb_per_s * e.interval_s, 0);
  assert.ok(written >= 1024, `expected >= 1 MiB written across disks, saw ${written} kB`);
});
