// "What is wrong?": every open signal, most severe first, and the numbers that
// show the host's state now. With nothing open, say so and show why it looks fine.
import { summarizeMetric } from '../../tools/metric-history.js';
import { openCounts } from '../../../lib/read-model/signals.js';
import { frac, num, pct } from '../../../lib/format.js';
import { ago } from '../../../lib/time.js';
import type { RulesContext } from '../context.js';
import { latestCpu, latestLoad, latestMem, latestPsi } from '../facts.js';
import { cpuLine, historyLine, memLine, psiLine } from '../lines.js';
import { signalSection, topicSignals } from '../signals.js';

export async function overview(ctx: RulesContext): Promise<string[]> {
  const { db } = ctx;
  const now = ctx.nowS();
  const counts = openCounts(db);
  const s = topicSignals(db, null, now, 10);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const out: string[] = [];
  const cpu = latestCpu(db), load = latestLoad(db), mem = latestMem(db);
  if (total === 0) out.push('Nothing is wrong right now: there are no open signals.');
  else out.push(`${total} open signal${total === 1 ? '' : 's'} (${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}).`);
  out.push(...signalSection(s, '', false));
  if (total > s.open.length) out.push(`  (${total - s.open.length} more: /signals lists them all)`);
  out.push(`Now: ${cpuLine(cpu, load)}`, memLine(mem), psiLine(latestPsi(db)));
  if (total === 0) {
    const busy = summarizeMetric(ctx, 'cpu.busy_pct', 15);
    const used = summarizeMetric(ctx, 'memory.used_fraction', 15);
    out.push(historyLine('CPU busy', busy, (x) => pct(x)), historyLine('Memory used', used, (x) => frac(x)));
    const lpc = summarizeMetric(ctx, 'load.load1_per_cpu', 15);
    if (lpc.n > 0) out.push(`Load per CPU peaked at ${num(lpc.max)} (${lpc.max_at}).`);
  }
  const newest = Math.max(cpu?.timestamp ?? 0, mem?.timestamp ?? 0, load?.timestamp ?? 0);
  if (newest === 0) out.push('No metrics have been recorded yet: is the pipeline running (npm start)?');
  else if (now - newest > 120) out.push(`Note: the newest metrics are ${ago(now - newest)} old: is the scraper/ingest running? (/status shows each collector)`);
  return out;
}
