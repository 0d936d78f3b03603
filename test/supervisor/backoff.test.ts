import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicy } from '../../lib/backoff.js';

const opts = { baseMs: 500, maxMs: 30_000, jitter: 0.2, maxFailures: 5, windowMs: 60_000 };

test('delays double from the base, within ±20% jitter', () => {
  for (const r of [0, 0.5, 0.999]) {
    const p = new RestartPolicy({ ...opts, random: () => r });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = p.failure(1000 + i);
      assert.equal(d.giveUp, false);
      if (!d.giveUp) delays.push(d.delayMs);
    }
    [500, 1000, 2000, 4000].forEach((base, i) => {
      assert.ok(delays[i] >= base * 0.8 && delays[i] <= base * 1.2, `delay ${i} = ${delays[i]} for base ${base}`);
    });
  }
  const mid = new RestartPolicy({ ...opts, random: () => 0.5 });
  assert.deepEqual([1, 2, 3].map((i) => (mid.failure(i) as { delayMs: number }).delayMs), [500, 1000, 2000]);
});

test('jitter spreads the delays of children that failed together', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 20; i++) seen.add((new RestartPolicy(opts).failure(0) as { delayMs: number }).delayMs);
  assert.ok(seen.size > 1, 'all twenty children would restart in lock-step');
});

test('the delay is capped at the maximum', () => {
  const p = new RestartPolicy({ ...opts, maxFailures: 100, random: () => 0.5 });
  let last = 0;
  for (let i = 0; i < 20; i++) {
    const d = p.failure(i);
    if (!d.giveUp) last = d.delayMs;
  }
  assert.equal(last, 30_000);
});

test('gives up at the fifth failure within the window', () => {
  const p = new RestartPolicy(opts);
  for (let i = 0; i < 4; i++) assert.equal(p.failure(i * 1000).giveUp, false);
  assert.deepEqual(p.failure(5000), { giveUp: true, failures: 5 });
});

test('failures older than the window are forgotten', () => {
  const p = new RestartPolicy({ ...opts, random: () => 0.5 });
  for (let i = 0; i < 4; i++) p.failure(i * 1000);
  const d = p.failure(3000 + 61_000);
  assert.equal(d.giveUp, false);
  assert.equal((d as { delayMs: number }).delayMs, 500, 'backoff starts again from the base');
});
