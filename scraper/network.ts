// /proc/net/dev: per-interface byte, packet, error and drop rates.
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { CounterSet, perSecond, round, type Deltas } from './rates.js';
import { join, readText, toNumber, type SampleTime, type Source, type SourceContext } from './source.js';

export const NET_COUNTERS = [
  'rx_bytes', 'rx_packets', 'rx_errors', 'rx_drops', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_drops',
] as const;
export type NetCounter = (typeof NET_COUNTERS)[number];

// Column positions after the "name:" prefix; the layout has been fixed since 2.6
// (8 receive columns, then 8 transmit columns).
const COLUMNS: Record<NetCounter, number> = {
  rx_bytes: 0, rx_packets: 1, rx_errors: 2, rx_drops: 3,
  tx_bytes: 8, tx_packets: 9, tx_errors: 10, tx_drops: 11,
};

/**
 * Interface name → counters. Names cannot contain ':' or whitespace (the kernel
 * refuses them), but may hold dots, dashes, '@' and more, and a long name leaves
 * no padding before the colon, so split on the first colon, not on spaces.
 */
export function parseNetDev(text: string): Map<string, Record<NetCounter, number>> {
  const out = new Map<string, Record<NetCounter, number>>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/);
    // The two header lines contain '|' and no colon-separated numbers.
    if (name === '' || name.includes('|') || f.length < 16) continue;
    const c = {} as Record<NetCounter, number>;
    for (const k of Object.keys(COLUMNS) as NetCounter[]) c[k] = toNumber(f[COLUMNS[k]], `net/dev ${name} ${k}`);
    out.set(name, c);
  }
  return out;
}

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
