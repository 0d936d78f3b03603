// TCP connection states from /proc/net/tcp{,6} and segment/retransmit rates from
// /proc/net/snmp. Counters are looked up by their header names: the original read
// "retransmits" from a fixed column and got the wrong one.
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { countTcpStates, parseSnmp, type StateCounts } from '../lib/procfs/net.js';
import { readSeqFile } from '../lib/procfs/text.js';
import { CounterSet, perSecond, round, type Deltas } from './rates.js';
import { isUnavailable, join, readText, type SampleTime, type Source, type SourceContext } from './source.js';

export type TcpCounter = 'retrans' | 'out_segs';

export function tcpCounters(snmp: Map<string, Map<string, number>>): Record<TcpCounter, number> {
  const tcp = snmp.get('Tcp');
  const retrans = tcp?.get('RetransSegs');
  const outSegs = tcp?.get('OutSegs');
  if (retrans === undefined || outSegs === undefined) throw new Error('net/snmp: Tcp RetransSegs/OutSegs not found');
  return { retrans, out_segs: outSegs };
}

export function tcpFields(counts: StateCounts, deltas: Deltas<TcpCounter>): Omit<EventOf<'tcp'>, 'v' | 'type' | 'ts'> {
  const { d, interval_s: s } = deltas;
  return {
    interval_s: round(s, 4),
    ...counts,
    retrans_per_s: perSecond(d.retrans, s),
    out_segs_per_s: perSecond(d.out_segs, s),
    retrans_ratio: d.out_segs > 0 ? round(d.retrans / d.out_segs, 5) : 0,
  };
}

export class TcpSource implements Source {
  readonly name = 'tcp';
  private readonly counters = new CounterSet<TcpCounter>();
  constructor(private readonly ctx: SourceContext) {}

  sample(now: SampleTime): KsEvent[] {
    const counts = countTcpStates(readSeqFile(join(this.ctx.procRoot, 'net/tcp')));
    try {
      countTcpStates(readSeqFile(join(this.ctx.procRoot, 'net/tcp6')), counts);
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      this.ctx.warnOnce('tcp6', `${join(this.ctx.procRoot, 'net/tcp6')} unreadable (IPv6 disabled?): counting IPv4 sockets only`);
    }
    const snmp = parseSnmp(readText(join(this.ctx.procRoot, 'net/snmp')));
    const deltas = this.counters.update('tcp', tcpCounters(snmp), now.mono);
    return deltas ? [makeEvent('tcp', tcpFields(counts, deltas), now.ts)] : [];
  }
}
