import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { validateEvent, type EventOf } from '../../lib/events.js';
import { ROOT } from '../../lib/paths.js';
import { sampleTime } from '../../scraper/source.js';
import { parseSnmp } from '../../lib/procfs/net.js';
import { TcpSource, tcpCounters } from '../../scraper/tcp.js';

const FIX = path.join(ROOT, 'test/fixtures/proc');
const read = (p: string) => fs.readFileSync(path.join(FIX, p), 'utf8');

test('snmp: Tcp counters are found by header name, wherever the column is', () => {
  assert.deepEqual(tcpCounters(parseSnmp(read('root/net/snmp'))), { retrans: 17, out_segs: 3556 });
  // A kernel that adds a column before RetransSegs must not shift what we read.
  assert.deepEqual(tcpCounters(parseSnmp(read('edge/snmp-reordered'))), { retrans: 17, out_segs: 3556 });
  assert.throws(() => tcpCounters(parseSnmp('Udp: InDatagrams\nUdp: 1\n')), /RetransSegs/);
});

test('retrans ratio over the interval, 0 when nothing was sent', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-tcp-'));
  try {
    fs.mkdirSync(path.join(dir, 'net'));
    fs.copyFileSync(path.join(FIX, 'root/net/tcp'), path.join(dir, 'net/tcp'));
    const snmp = (out: number, re: number) => fs.writeFileSync(path.join(dir, 'net/snmp'),
      `Tcp: ActiveOpens OutSegs RetransSegs\nTcp: 1 ${out} ${re}\n`);
    const warnings: string[] = []; // keys; deduplicating them is the loop's job
    const src = new TcpSource({ procRoot: dir, sysRoot: '/sys', warnOnce: (k) => warnings.push(k) });
    snmp(1000, 10);
    assert.deepEqual(src.sample({ ts: 1.7e9, mono: 0 }), []);
    assert.deepEqual(warnings, ['tcp6'], 'missing tcp6 is mentioned, IPv4 still counted');
    snmp(1000, 10);
    let e = src.sample({ ts: 1.7e9, mono: 1 })[0] as EventOf<'tcp'>;
    assert.equal(e.retrans_ratio, 0);
    assert.equal(e.total, 17);
    snmp(1400, 30);
    e = validateEvent(src.sample({ ts: 1.7e9, mono: 3 })[0], 1.7e9) as EventOf<'tcp'>;
    assert.equal(e.out_segs_per_s, 200);
    assert.equal(e.retrans_per_s, 10);
    assert.equal(e.retrans_ratio, 0.05);
    snmp(5, 0); // counters reset (netns re-created): no rate this interval
    assert.deepEqual(src.sample({ ts: 1.7e9, mono: 4 }), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('this machine: a listening socket and a connection are counted, segments are sent', async (t) => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  t.after(() => { for (const s of sockets) s.destroy(); server.close(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const src = new TcpSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} });
  assert.deepEqual(src.sample(sampleTime()), []);
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  sockets.push(client);
  await new Promise<void>((r) => client.on('connect', r));
  await new Promise<void>((r) => client.write(Buffer.alloc(10_000), () => r()));
  const e = validateEvent(src.sample(sampleTime())[0]) as EventOf<'tcp'>;
  assert.ok(e.listen >= 1, `listen ${e.listen}`);
  assert.ok(e.established >= 2, `established ${e.established} (both ends)`);
  assert.ok(e.total >= e.established + e.listen);
  assert.ok(e.out_segs_per_s > 0, 'the connection sent segments');
  assert.ok(e.retrans_ratio >= 0 && e.retrans_ratio <= 1);
});

test('this machine: more sockets than one page of /proc/net/tcp holds are all counted', async (t) => {
  // A seq_file hands out about one page per read(): 100 connections (200 ends) are
  // several pages, and counting only the first read saw 27 sockets.
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  t.after(() => { for (const s of sockets) s.destroy(); server.close(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  for (let i = 0; i < 100; i++) {
    const c = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    sockets.push(c);
    await new Promise<void>((r) => c.on('connect', r));
  }
  const src = new TcpSource({ procRoot: '/proc', sysRoot: '/sys', warnOnce: () => {} });
  src.sample(sampleTime());
  const e = validateEvent(src.sample(sampleTime())[0]) as EventOf<'tcp'>;
  assert.ok(e.established >= 200, `established ${e.established} of at least 200 (100 connections, both ends)`);
});
