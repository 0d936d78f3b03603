// /proc/net: interface counters (dev), TCP socket states (tcp, tcp6), and the
// protocol counter tables (snmp, netstat).
import path from 'node:path';
import { readOptional, toNumber } from './text.js';

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
 * /proc/net/dev as interface name → counters. Names cannot contain ':' or
 * whitespace (the kernel refuses them), but may hold dots, dashes, '@' and more,
 * and a long name leaves no padding before the colon, so split on the first
 * colon, not on spaces.
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
    for (const k of NET_COUNTERS) c[k] = toNumber(f[COLUMNS[k]], `net/dev ${name} ${k}`);
    out.set(name, c);
  }
  return out;
}

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
 * /proc/net/snmp or /proc/net/netstat as protocol → (counter name → value). Each
 * protocol prints a line of names, then a line of values with the same prefix;
 * pair them by prefix and look counters up by name, never by column.
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

/** /proc/net/netstat (TcpExt, IpExt...); undefined when it cannot be read or parsed. */
export function readNetstat(root = '/proc'): Map<string, Map<string, number>> | undefined {
  const text = readOptional(path.join(root, 'net/netstat'));
  try { return text === undefined ? undefined : parseSnmp(text); } catch { return undefined; }
}
