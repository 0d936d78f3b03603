// network_degradation, tcp_exhaustion, tcp_retransmits: production thresholds,
// and ratios judged only on enough traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSignalEngine } from '../../../ingest/signals/index.js';
import { ctx, ev, replay, signals, tempDb } from './helpers.js';

test('TCP states: TIME_WAIT 1000 / CLOSE_WAIT 100 / SYN_RECV 500 open it; critical at 5000 TIME_WAIT', (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  replay(engine, db, [0, 5].map((ts) => ev('tcp', ts, { time_wait: 999, close_wait: 99, syn_recv: 499, total: 1700 })));
  assert.deepEqual(signals(db), [], 'just under every production level');
  replay(engine, db, [10, 15].map((ts) => ev('tcp', ts, { time_wait: 600, close_wait: 150, total: 800 })));
  let [s] = signals(db, 'tcp_exhaustion');
  assert.equal(s.severity, 'low');
  assert.deepEqual(JSON.parse(s.patterns), ['close_wait_leak']);
  assert.equal(s.summary, 'TCP state buildup: 150 CLOSE_WAIT of 800 sockets');
  replay(engine, db, [ev('tcp', 20, { time_wait: 5200, close_wait: 150, total: 5400 })]);
  [s] = signals(db, 'tcp_exhaustion');
  assert.equal(s.severity, 'critical');
  assert.equal(ctx(s).time_wait, 5200);
});

test('retransmits: a ratio needs traffic behind it', (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  replay(engine, db, [0, 5, 10].map((ts) => ev('tcp', ts, { retrans_per_s: 1, out_segs_per_s: 4 })));
  assert.deepEqual(signals(db), [], 'one retransmit of four segments on an idle box');
  replay(engine, db, [15, 20].map((ts) => ev('tcp', ts, { retrans_per_s: 30, out_segs_per_s: 1000 })));
  const [s] = signals(db, 'tcp_retransmits');
  assert.equal(s.severity, 'medium', '3% retransmitted: 2..5%');
  assert.equal(s.summary, 'TCP retransmits: 30 segments/s retransmitted, 3.0% of 1000 sent/s');
});

test('interface errors and drops: per interface, loopback ignored', (t) => {
  const { db } = tempDb(t);
  const engine = createSignalEngine({ cpus: 2 });
  const bad = { rx_packets_per_s: 5000, tx_packets_per_s: 5000, rx_drops_per_s: 150, rx_errors_per_s: 10 };
  replay(engine, db, [0, 5].flatMap((ts) => [ev('net_if', ts, { iface: 'lo', ...bad }), ev('net_if', ts, { iface: 'eth0', ...bad })]));
  const rows = signals(db, 'network_degradation');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].entity_type, 'interface');
  assert.equal(rows[0].entity_id, 'eth0');
  assert.equal(rows[0].severity, 'high', '160 of 10160 packets: 1.6%');
  replay(engine, db, [10, 15].map((ts) => ev('net_if', ts, { iface: 'eth0', rx_packets_per_s: 5000, tx_packets_per_s: 5000 })));
  assert.equal(signals(db, 'network_degradation')[0].status, 'resolved');
});
