// "How is memory?": usage now and over 15 minutes, pressure stalls, faults, swap
// and OOM kills, where it is heading, the biggest processes, and memory signals.
import { baselines } from '../../../lib/read-model/baselines.js';
import { compareRow } from '../../tools/baseline-compare.js';
import { summarizeMetric } from '../../tools/metric-history.js';
import { projectMetric } from '../../tools/trend-projection.js';
import { frac, num, pct } from '../../../lib/format.js';
import type { RulesContext } from '../context.js';
import { latestMem, latestPsi, latestVm, oomKillsSince, psiOf } from '../facts.js';
import { baselineLine, historyLine, memLine, procLines, trendLine, type TrendView } from '../lines.js';
import { signalSection, topicSignals, TOPIC } from '../signals.js';

export async function memory(ctx: RulesContext): Promise<string[]> {
  const { db } = ctx;
  const now = ctx.nowS();
  const out = [memLine(latestMem(db))];
  out.push(historyLine('Memory used', summarizeMetric(ctx, 'memory.used_fraction', 15), (x) => frac(x)));
  const psi = psiOf(latestPsi(db), 'memory');
  if (psi) out.push(`Memory stall (PSI memory): some ${pct(psi.some_avg10)}, full ${pct(psi.full_avg10)} over 10 s.`);
  const vm = latestVm(db);
  if (vm) out.push(`Paging: ${num(vm.pgmajfault_per_s)} major faults/s, swap-in ${num(vm.pswpin_per_s)} pages/s, swap-out ${num(vm.pswpout_per_s)} pages/s; ${oomKillsSince(db, now - 3600)} OOM kills in the last hour.`);
  const trend = projectMetric(ctx, 'memory.used_fraction', 30, 30) as TrendView;
  out.push(trendLine('Memory used', trend, (x) => frac(x), (x) => `${num(x * 100)} points`));
  const b = baselines(db).find((r) => r.metric === 'memory.used_fraction');
  if (b) out.push(baselineLine('Memory used', compareRow(ctx, b), (x) => frac(x)));
  try {
    const top = await ctx.topNow('memory');
    out.push(`Largest processes by RSS now (${top.measured_at}):`, ...procLines(top.processes.slice(0, 5), 'memory'));
  } catch (e) {
    out.push(`Could not read processes now: ${(e as Error).message.slice(0, 100)}.`);
  }
  out.push(...signalSection(topicSignals(db, TOPIC.memory!, now), 'memory'));
  return out;
}
