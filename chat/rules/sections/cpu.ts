// "How is the CPU?": utilisation and load now, the last 15 minutes, the baseline,
// who is using it right now, and the CPU signals.
import { baselines } from '../../../lib/read-model/baselines.js';
import { compareRow } from '../../tools/baseline-compare.js';
import { summarizeMetric } from '../../tools/metric-history.js';
import { pct } from '../../../lib/format.js';
import type { RulesContext } from '../context.js';
import { latestCpu, latestLoad, latestPsi, psiOf } from '../facts.js';
import { baselineLine, cpuLine, historyLine, procLines } from '../lines.js';
import { signalSection, topicSignals, TOPIC } from '../signals.js';

export async function cpu(ctx: RulesContext): Promise<string[]> {
  const { db } = ctx;
  const out = [cpuLine(latestCpu(db), latestLoad(db))];
  const psi = psiOf(latestPsi(db), 'cpu');
  if (psi) out.push(`CPU stall (PSI cpu some): ${pct(psi.some_avg10)} over 10 s, ${pct(psi.some_avg60)} over 60 s.`);
  out.push(historyLine('CPU busy', summarizeMetric(ctx, 'cpu.busy_pct', 15), (x) => pct(x)));
  const b = baselines(db).find((r) => r.metric === 'cpu.busy_pct');
  if (b) out.push(baselineLine('CPU busy', compareRow(ctx, b), (x) => pct(x)));
  try {
    const top = await ctx.topNow('cpu');
    out.push(`Top CPU users now (measured over ${top.window_s} s at ${top.measured_at}):`, ...procLines(top.processes.slice(0, 5), 'cpu'));
  } catch (e) {
    out.push(`Could not measure processes now: ${(e as Error).message.slice(0, 100)}.`);
  }
  out.push(...signalSection(topicSignals(db, TOPIC.cpu!, ctx.nowS()), 'CPU'));
  return out;
}
