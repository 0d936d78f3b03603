// network_degradation (per interface), tcp_exhaustion and tcp_retransmits.
// Ratios are judged only on enough traffic: one dropped packet on an idle link,
// or one retransmit out of three segments, is not degradation.
import type { StoredEvent } from '../../../observer.js';
import type { EventOf } from '../../../../lib/events.js';
import { ladderScore, ladderSeverity } from '../../severity.js';
import { maxSeverity } from '../../../../lib/severity.js';
import { dedupKey, HOST, iface, LazyObservation, NONE, type Observation } from '../../signal.js';
import { metricGate, NET, TCP } from '../../thresholds.js';
import { frac, compact } from '../../../../lib/format.js';

export function networkDegradation(stored: StoredEvent, ev: EventOf<'net_if'>): readonly Observation[] {
  if (NET.ignore.test(ev.iface)) return NONE;
  const entity = iface(ev.iface);
  const errors = ev.rx_errors_per_s + ev.tx_errors_per_s;
  const drops = ev.rx_drops_per_s + ev.tx_drops_per_s;
  const bad = errors + drops;
  const ratio = bad / Math.max(1, ev.rx_packets_per_s + ev.tx_packets_per_s + bad);
  const severity = bad >= NET.minBadPerS ? ladderSeverity(ratio, NET.badRatio) : 'none';
  const hold = bad >= NET.exitBadPerS && ratio >= NET.badRatio[0] / 2;
  const level = severity !== 'none' ? 'enter' : hold ? 'hold' : 'exit';
  const key = dedupKey('network_degradation', entity);
  return [new LazyObservation(key, ev.ts, level, metricGate(ev.interval_s), severity, () => ({
    category: 'symptom', type: 'network_degradation', scope: 'interface', label: 'Network degradation', severity,
    // pressure_score = ladder((errors + drops) / (packets + errors + drops))
    score: ladderScore(ratio, NET.badRatio),
    summary: `${ev.iface}: ${compact(errors)} errors/s and ${compact(drops)} drops/s (${frac(ratio, 2)} of packets)`,
    patterns: [...(errors > 0 ? ['interface_errors'] : []), ...(ev.rx_drops_per_s > 0 ? ['rx_drops'] : []),
      ...(ev.tx_drops_per_s > 0 ? ['tx_drops'] : [])],
    hints: ['Errors point at the link (cable, NIC, driver, MTU); drops at full queues or rings',
      'rx drops under load: receive ring or socket backlog too small for the packet rate'],
    entity,
    context: {
      iface: ev.iface, rx_packets_per_s: ev.rx_packets_per_s, tx_packets_per_s: ev.tx_packets_per_s,
      rx_errors_per_s: ev.rx_errors_per_s, tx_errors_per_s: ev.tx_errors_per_s, rx_drops_per_s: ev.rx_drops_per_s,
      tx_drops_per_s: ev.tx_drops_per_s, bad_ratio: ratio, interval_s: ev.interval_s,
      thresholds: { bad_ratio: NET.badRatio, min_bad_per_s: NET.minBadPerS },
    },
    source: { table: stored.table, id: stored.rowId },
  }))];
}

export function tcpExhaustion(stored: StoredEvent, ev: EventOf<'tcp'>): readonly Observation[] {
  const parts = [
    { name: 'TIME_WAIT', v: ev.time_wait, l: TCP.timeWait, pattern: 'time_wait_buildup' },
    { name: 'CLOSE_WAIT', v: ev.close_wait, l: TCP.closeWait, pattern: 'close_wait_leak' },
    { name: 'SYN_RECV', v: ev.syn_recv, l: TCP.synRecv, pattern: 'syn_backlog' },
  ];
  const severity = maxSeverity(...parts.map((p) => ladderSeverity(p.v, p.l)));
  const hold = parts.some((p) => p.v >= p.l[0] * TCP.exitFraction);
  const over = parts.filter((p) => p.v >= p.l[0] * TCP.exitFraction);
  const level = severity !== 'none' ? 'enter' : hold ? 'hold' : 'exit';
  const key = dedupKey('tcp_exhaustion', HOST);
  return [new LazyObservation(key, ev.ts, level, metricGate(ev.interval_s), severity, () => ({
    category: 'symptom', type: 'tcp_exhaustion', scope: 'system', label: 'TCP connection state buildup', severity,
    // pressure_score = max over TIME_WAIT / CLOSE_WAIT / SYN_RECV of ladder(count)
    score: Math.max(...parts.map((p) => ladderScore(p.v, p.l))),
    summary: `TCP state buildup: ${(over.length ? over : parts).map((p) => `${p.v} ${p.name}`).join(', ')} of ${ev.total} sockets`,
    patterns: over.map((p) => p.pattern),
    hints: ['TIME_WAIT: short-lived outgoing connections; reuse connections (keep-alive, pooling)',
      'CLOSE_WAIT: the local application does not close sockets its peer closed (a leak)',
      'SYN_RECV: a SYN flood or an accept backlog that the server does not drain'],
    entity: HOST,
    context: {
      established: ev.established, time_wait: ev.time_wait, close_wait: ev.close_wait, syn_recv: ev.syn_recv,
      syn_sent: ev.syn_sent, fin_wait1: ev.fin_wait1, fin_wait2: ev.fin_wait2, last_ack: ev.last_ack,
      listen: ev.listen, total: ev.total, interval_s: ev.interval_s,
      thresholds: { time_wait: TCP.timeWait, close_wait: TCP.closeWait, syn_recv: TCP.synRecv, exit_fraction: TCP.exitFraction },
    },
    source: { table: stored.table, id: stored.rowId },
  }))];
}

export function tcpRetransmits(stored: StoredEvent, ev: EventOf<'tcp'>): readonly Observation[] {
  const enough = ev.retrans_per_s >= TCP.retransMinPerS && ev.out_segs_per_s >= TCP.retransMinOutSegsPerS;
  const ratio = ev.out_segs_per_s > 0 ? ev.retrans_per_s / ev.out_segs_per_s : 0;
  const severity = enough ? ladderSeverity(ratio, TCP.retransRatio) : 'none';
  const hold = ev.retrans_per_s >= 1 && ratio >= TCP.retransExitRatio;
  const level = severity !== 'none' ? 'enter' : hold ? 'hold' : 'exit';
  const key = dedupKey('tcp_retransmits', HOST);
  return [new LazyObservation(key, ev.ts, level, metricGate(ev.interval_s), severity, () => ({
    category: 'symptom', type: 'tcp_retransmits', scope: 'system', label: 'TCP retransmits', severity,
    // pressure_score = ladder(retransmitted / sent segments)
    score: ladderScore(ratio, TCP.retransRatio),
    summary: `TCP retransmits: ${compact(ev.retrans_per_s)} segments/s retransmitted, ${frac(ratio, 1)} of ${compact(ev.out_segs_per_s)} sent/s`,
    patterns: [ratio >= TCP.retransRatio[2] ? 'heavy_packet_loss' : 'packet_loss',
      ...(ev.syn_sent >= 10 ? ['connect_retries'] : [])],
    hints: ['Loss or congestion on the path: compare with network_degradation on the interfaces',
      'Many SYN_SENT sockets: connection attempts to a peer that does not answer are being retried',
      'One busy peer can dominate: check the connections with the most retransmits (ss -ti)'],
    entity: HOST,
    context: {
      retrans_per_s: ev.retrans_per_s, out_segs_per_s: ev.out_segs_per_s, retrans_ratio: ratio, syn_sent: ev.syn_sent,
      established: ev.established, interval_s: ev.interval_s,
      thresholds: { retrans_ratio: TCP.retransRatio, min_retrans_per_s: TCP.retransMinPerS, min_out_segs_per_s: TCP.retransMinOutSegsPerS },
    },
    source: { table: stored.table, id: stored.rowId },
  }))];
}
