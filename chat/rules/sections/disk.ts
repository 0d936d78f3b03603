// "How are the disks?": space per filesystem, device utilisation and latency, I/O
// stalls, and disk signals.
import { mountUsage } from '../../tools/disk-usage.js';
import { num, pct } from '../../../lib/format.js';
import { escapeUntrusted } from '../../../lib/sanitize.js';
import { isoLocal } from '../../../lib/time.js';
import type { RulesContext } from '../context.js';
import { latestBlock, latestIoLat, latestPsi, psiOf } from '../facts.js';
import { signalSection, topicSignals, TOPIC } from '../signals.js';

export async function disk(ctx: RulesContext): Promise<string[]> {
  const { db } = ctx;
  const out: string[] = [];
  try {
    const fsList = mountUsage();
    const full = fsList.filter((f) => (f.used_pct ?? 0) >= 90);
    out.push(full.length ? `Filesystems at 90% or more: ${full.map((f) => `${f.mount} ${pct(f.used_pct)}`).join(', ')}.` : 'No filesystem is 90% full or more.');
    out.push(`Space: ${fsList.slice(0, 5).map((f) => `${f.mount} ${pct(f.used_pct)} used (${num(f.avail_gb)} GiB free of ${num(f.size_gb)} GiB)`).join('; ')}.`);
  } catch (e) {
    out.push(`Could not read filesystems: ${(e as Error).message.slice(0, 100)}.`);
  }
  const blocks = latestBlock(db).sort((a, b) => b.util_pct - a.util_pct);
  if (blocks.length === 0) out.push('Block devices: no block_stats rows yet.');
  else {
    out.push(`Block devices at ${isoLocal(blocks[0]!.timestamp)}:`);
    for (const b of blocks.slice(0, 6)) {
      out.push(`  ${escapeUntrusted(b.dev, 30)}: ${pct(b.util_pct)} utilised, await ${num(b.await_ms)} ms, queue ${num(b.queue_depth)}, read ${num(b.read_kb_per_s)} KiB/s, write ${num(b.write_kb_per_s)} KiB/s`);
    }
  }
  const lat = latestIoLat(db);
  if (lat.length) out.push(`I/O latency (eBPF) at ${isoLocal(lat[0]!.timestamp)}: ${lat.slice(0, 6).map((l) => `${escapeUntrusted(l.dev, 20)} ${escapeUntrusted(l.op, 10)} p50 ${num(l.p50_us)} µs, p99 ${num(l.p99_us)} µs (${l.count} I/Os)`).join('; ')}.`);
  const psi = psiOf(latestPsi(db), 'io');
  if (psi) out.push(`I/O stall (PSI io): some ${pct(psi.some_avg10)}, full ${pct(psi.full_avg10)} over 10 s.`);
  out.push(...signalSection(topicSignals(db, TOPIC.disk!, ctx.nowS()), 'disk/I/O'));
  return out;
}
