// TCP connection states from /proc/net/tcp{,6} and segment/retransmit rates from
// /proc/net/snmp. Counters are looked up by their header names: the original read
// "retransmits" from a fixed column and got the wrong one.
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { CounterSet, perSecond, round, type Deltas } from './rates.js';
import { isUnavailable, join, readText, toNumber, type SampleTime, type Source, type SourceContext } from './source.js';

/** include/net/tcp_states.h, as printed (hex) in the `st` column. */
export const TCP_STATES = {
  0x01: 'established', 0x02: 'syn_sent', 0x03: 'syn_recv', 0x04: 'fin_wait1', 0x05: 'fin_wait2',
  0x06: 'time_wait', 0x07: 'close', 0x08: 'close_wait', 0x09: 'last_ack', 0x0a: 'listen', 0x0b: 'closing',
} as const;
export type TcpState = (typeof TCP_STATES)[keyof typeof TCP_STATES];
export type StateCounts = Record<TcpState | 'total', number>;

export function emptyCounts(): StateCounts {
  const c = { total: 0 } as StateCounts;
  for (const s of Object.values(TCP_STATES)) c[s] = 0;
  return c;
}

/** Add the sockets of one /proc/net/tcp or tcp6 file to `into`. */
export function countTcpStates(text: string, into: StateCounts = emptyCounts()): StateCounts {
  const lines = text.split('\n');
  const header = (lines[0] ?? '').trim().split(/\s+/);
  // Header and rows agree on the first four columns (sl, local, remote, st).
  const stCol = header.indexOf('st') >= 0 ? header.indexOf('st') : 3;
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/, stCol + 1); // rows are long; stop at st
    if (f.length <= stCol) continue;
    const code = parseInt(f[stCol], 16);
    if (!Number.isInteger(code)) throw new Error(`net/tcp: bad state ${JSON.stringify(f[stCol])} on line ${i + 1}`);
    into.total++;
    const name = (TCP_STATES as Record<number, TcpState | undefined>)[code];
    // Unknown states (e.g. NEW_SYN_RECV is never printed today) count in total only.
    if (name) into[name]++;
  }
  return into;
}

/**
 * /proc/net/snmp as protocol → (counter name → value). Each protocol prints a
 * line of names, then a line of values with the same prefix; pair them by prefix.
 */
export function parseSnmp(text: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const headers = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [prefix, ...rest] = line.trim().split(/\s+/);
    if (!prefix?.endsWith(':')) continue;
    const proto = prefix.slice(0, -1);
    const names = headers.get(proto);
    if (!names) { headers.set(proto, rest); continue; }
    headers.delete(proto);
    if (names.length !== rest.length) {
      throw new Error(`net/snmp: ${proto} has ${names.length} names but ${rest.length} values`);
    }
    const m = new Map<string, number>();
    names.forEach((n, j) => m.set(n, toNumber(rest[j], `net/snmp ${proto} ${n}`)));
    out.set(proto, m);
  }
  return out;
}

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
    const counts = countTcpStates(readText(join(this.ctx.procRoot, 'net/tcp')));
    try {
      countTcpStates(readText(join(this.ctx.procRoot, 'net/tcp6')), counts);
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      this.ctx.warnOnce('tcp6', `${join(this.ctx.procRoot, 'net/tcp6')} unreadable (IPv6 disabled?): counting IPv4 sockets only`);
    }
    const snmp = parseSnmp(readText(join(this.ctx.procRoot, 'net/snmp')));
    const deltas = this.counters.update('tcp', tcpCounters(snmp), now.mono);
    return deltas ? [makeEvent('tcp', tcpFields(counts, deltas), now.ts)] : [];
  }
}
