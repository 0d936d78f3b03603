import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import path from 'node:path';
import { validateEvent, type EventOf } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { NetworkSource } from '../../scraper/network.js';
import { sampleTime } from '../../scraper/source.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');

test('rates per interface; lo skipped by default; an interface reset re-baselines', () => {
  const ctx = { procRoot: path.join(FIX, 'root'), sysRoot: '/sys', warnOnce: () => {} };
  const src = new NetworkSource(ctx);
  assert.deepEqual(src.sample({ ts: 1.7e9, mono: 0 }), []);
  const events = src.sample({ ts: 1.7e9, mono: 0.5 }).map((e) => validateEvent(e, 1.7e9) as EventOf<'net_if'>);
  assert.deepEqual(events.map((e) => e.iface), ['eth0', 'veth1a2b-c.3', 'br-1234abcd5678', 'tun@0']);
  assert.ok(events.every((e) => e.rx_bytes_per_s === 0 && e.interval_s === 0.5));
  const withLo = new NetworkSource(ctx, { includeLoopback: true });
  withLo.sample({ ts: 1.7e9, mono: 0 });
  assert.equal(withLo.sample({ ts: 1.7e9, mono: 1 }).length, 5);
});

test('this machine: loopback traffic between two samples shows as lo bytes', async (t) => {
  const sock = dgram.createSocket('udp4');
  t.after(() => sock.close());
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const port = sock.address().port;
  const src = new NetworkSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} }, { includeLoopback: true });
  assert.deepEqual(src.sample(sampleTime()), []);
  for (let i = 0; i < 20; i++) await new Promise((r) => sock.send(Buffer.alloc(1000), port, '127.0.0.1', r));
  const events = src.sample(sampleTime()).map((e) => validateEvent(e) as EventOf<'net_if'>);
  const lo = events.find((e) => e.iface === 'lo');
  assert.ok(lo, 'lo present when asked for');
  assert.ok(lo.tx_bytes_per_s * lo.interval_s >= 20_000, `lo sent ${lo.tx_bytes_per_s * lo.interval_s} bytes`);
  assert.ok(lo.tx_packets_per_s > 0);
  const plain = new NetworkSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} });
  plain.sample(sampleTime());
  assert.ok(plain.sample(sampleTime()).every((e) => (e as EventOf<'net_if'>).iface !== 'lo'));
});
