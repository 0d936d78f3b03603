// "How is the network?": traffic and errors per interface, TCP states and
// retransmits, network signals, and network settings outside their ranges.
import { escapeUntrusted } from '../../../lib/sanitize.js';
import { checkSysctls } from '../../tools/sysctl-check.js';
import { num, pct } from '../../../lib/format.js';
import { isoLocal } from '../../../lib/time.js';
import type { RulesContext } from '../context.js';
import { latestNet, latestTcp } from '../facts.js';
import { netRate } from '../lines.js';
import { signalSection, topicSignals, TOPIC } from '../signals.js';

export async function network(ctx: RulesContext): Promise<string[]> {
  const { db } = ctx;
  const out: string[] = [];
  const nets = latestNet(db).sort((a, b) => b.rx_bytes_per_s + b.tx_bytes_per_s - a.rx_bytes_per_s - a.tx_bytes_per_s);
  if (nets.length === 0) out.push('Interfaces: no network_interface_stats rows yet.');
  else {
    out.push(`Interfaces at ${isoLocal(nets[0]!.timestamp)}:`);
    for (const n of nets.slice(0, 6)) {
      const errs = n.rx_errors_per_s + n.tx_errors_per_s, drops = n.rx_drops_per_s + n.tx_drops_per_s;
      out.push(`  ${escapeUntrusted(n.iface, 30)}: rx ${netRate(n.rx_bytes_per_s)}, tx ${netRate(n.tx_bytes_per_s)}, ${num(errs)} errors/s, ${num(drops)} drops/s`);
    }
  }
  const t = latestTcp(db);
  if (!t) out.push('TCP: no tcp_stats rows yet.');
  else {
    out.push(`TCP at ${isoLocal(t.timestamp)}: ${t.established} established, ${t.time_wait} TIME_WAIT, ${t.close_wait} CLOSE_WAIT, ${t.syn_recv} SYN_RECV, ${t.listen} listening (${t.total} sockets); ${num(t.retrans_per_s)} retransmits/s (${pct(t.retrans_ratio * 100, 2)} of segments sent).`);
  }
  out.push(...signalSection(topicSignals(db, TOPIC.network!, ctx.nowS()), 'network'));
  const off = checkSysctls().filter((s) => s.key.startsWith('net.') && s.status === 'outside_recommended');
  if (off.length) out.push(`Network settings outside recommended ranges: ${off.map((s) => `${s.key} = ${s.value} (recommended ${s.recommended})`).join('; ')}.`);
  return out;
}
