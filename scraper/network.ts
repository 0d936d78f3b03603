// /proc/net/dev: per-interface byte, packet, error and drop rates.
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { parseNetDev, type NetCounter } from '../lib/procfs/net.js';
import { CounterSet, perSecond, round, type Deltas } from './rates.js';
import { join, readText, type SampleTime, type Source, type SourceContext } from './source.js';

export function netFields(iface: string, deltas: Deltas<NetCounter>): Omit<EventOf<'net_if'>, 'v' | 'type' | 'ts'> {
  const { d, interval_s: s } = deltas;
  return {
    interval_s: round(s, 4),
    iface: iface.slice(0, 32),
    rx_bytes_per_s: perSecond(d.rx_bytes, s),
    tx_bytes_per_s: perSecond(d.tx_bytes, s),
    rx_packets_per_s: perSecond(d.rx_packets, s),
    tx_packets_per_s: perSecond(d.tx_packets, s),
    rx_errors_per_s: perSecond(d.rx_errors, s),
    tx_errors_per_s: perSecond(d.tx_errors, s),
    rx_drops_per_s: perSecond(d.rx_drops, s),
    tx_drops_per_s: perSecond(d.tx_drops, s),
  };
}

export interface NetworkOptions {
  /** Include the loopback interface `lo` (skipped by default). */
  readonly includeLoopback?: boolean;
}

export class NetworkSource implements Source {
  readonly name = 'network';
  private readonly counters = new CounterSet<NetCounter>();
  constructor(private readonly ctx: SourceContext, private readonly opts: NetworkOptions = {}) {}

  sample(now: SampleTime): KsEvent[] {
    const ifaces = parseNetDev(readText(join(this.ctx.procRoot, 'net/dev')));
    const events: KsEvent[] = [];
    const seen = new Set<string>();
    for (const [iface, counters] of ifaces) {
      if (iface === 'lo' && !this.opts.includeLoopback) continue;
      seen.add(iface);
      const deltas = this.counters.update(iface, counters, now.mono);
      if (deltas) events.push(makeEvent('net_if', netFields(iface, deltas), now.ts));
    }
    this.counters.retain(seen);
    return events;
  }
}
