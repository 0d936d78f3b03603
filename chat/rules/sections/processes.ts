// "Which processes?": the top CPU and memory users measured now.
import type { RulesContext } from '../context.js';
import { procLines } from '../lines.js';

export async function processes(ctx: RulesContext): Promise<string[]> {
  const [cpu, mem] = await Promise.all([ctx.topNow('cpu'), ctx.topNow('memory')]);
  return [
    `Top CPU users (over ${cpu.window_s} s at ${cpu.measured_at}; 100% = one full CPU, ${cpu.cpus} CPUs, system ${cpu.system_busy_pct}% busy):`,
    ...procLines(cpu.processes.slice(0, 5), 'cpu'),
    `Largest by RSS (${mem.measured_at}):`,
    ...procLines(mem.processes.slice(0, 5), 'memory'),
  ];
}
