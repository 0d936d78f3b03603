// "Where is it heading?": least-squares projections 30 minutes ahead for the
// metrics that most often turn into incidents.
import { frac, num, pct } from '../../../lib/format.js';
import { projectMetric } from '../../tools/trend-projection.js';
import type { RulesContext } from '../context.js';
import { trendLine, type TrendView } from '../lines.js';

const WATCH: ReadonlyArray<readonly [string, string, (x: number) => string, number]> = [
  ['memory.used_fraction', 'Memory used', (x) => frac(x), 0.95],
  ['cpu.busy_pct', 'CPU busy', (x) => pct(x), 90],
  ['load.load1_per_cpu', 'Load per CPU', (x) => num(x), 2],
  ['psi.memory.some_avg10', 'Memory stall', (x) => pct(x), 20],
  ['psi.io.some_avg10', 'I/O stall', (x) => pct(x), 20],
];

export async function trend(ctx: RulesContext): Promise<string[]> {
  const out = ['Least-squares projection 30 min ahead from the last 30 min of data:'];
  for (const [metric, label, fmt, threshold] of WATCH) {
    let p: TrendView;
    try { p = projectMetric(ctx, metric, 30, 30, threshold) as TrendView; } catch { continue; }
    out.push(`  ${trendLine(label, p, fmt)}`);
  }
  out.push('A low R² means the series is noisy rather than trending; treat its projection as a guess.');
  return out;
}
