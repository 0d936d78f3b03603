// "Anything in the logs?": the last kernel and journal lines, quoted.
import { systemLogs } from '../../tools/system-logs.js';
import type { RulesContext } from '../context.js';

interface Tail { command: string; lines: string[]; error?: string }

export async function logs(ctx: RulesContext, question: string): Promise<string[]> {
  const m = /\b(oom|error|fail\w*|warn\w*|panic|segfault|i\/o error|nvme|ext4|xfs|killed)\b/i.exec(question);
  const r = await systemLogs.run(ctx, { source: 'both', lines: 12, ...(m ? { contains: m[1]!.toLowerCase().replace(/s$/, '') } : {}) }) as { kernel?: Tail; journal?: Tail };
  const out: string[] = [];
  for (const [label, t] of [['Kernel log', r.kernel], ['Journal', r.journal]] as const) {
    if (!t) continue;
    if (t.error) out.push(`${label} (${t.command}): unavailable: ${t.error}`);
    else if (t.lines.length === 0) out.push(`${label} (${t.command}): no ${m ? `lines containing "${m[1]!.toLowerCase()}"` : 'lines'}.`);
    else out.push(`${label}, last ${t.lines.length} line${t.lines.length === 1 ? '' : 's'}${m ? ` containing "${m[1]!.toLowerCase()}"` : ''} (quoted as logged):`, ...t.lines.map((l) => `  ${l}`));
  }
  return out;
}
