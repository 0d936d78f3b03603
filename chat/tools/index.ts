// Every tool chat can use, by name. All of them only read: the database (opened
// read-only), /proc, /proc/sys, statfs and two log commands. Nothing here acts.
import { MetricNameError } from '../../lib/read-model/metrics.js';
import { agentActions } from './agent-actions.js';
import { baselineCompare } from './baseline-compare.js';
import { escapeDeep } from '../../lib/sanitize.js';
import { bounded } from './bound.js';
import { currentState } from './current-state.js';
import { diskUsage } from './disk-usage.js';
import { historyWindow, incidents } from './history-window.js';
import { metricHistory } from './metric-history.js';
import { relatedSignals } from './related-signals.js';
import { openSignals, recentSignals } from './signals.js';
import { sysctlCheck } from './sysctl-check.js';
import { systemLogs } from './system-logs.js';
import { topProcesses } from './top-processes.js';
import { trendProjection } from './trend-projection.js';
import { ToolArgError, type ChatTool, type ToolArgs, type ToolContext } from './types.js';

export const TOOLS: readonly ChatTool[] = [
  currentState, openSignals, recentSignals, relatedSignals, metricHistory, baselineCompare, trendProjection,
  topProcesses, agentActions, systemLogs, diskUsage, sysctlCheck, historyWindow, incidents,
];

const BY_NAME = new Map(TOOLS.map((t) => [t.name, t]));

export type ToolOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };

/** Run a tool by (untrusted) name and arguments; errors become a message, results are bounded. */
export async function runTool(ctx: ToolContext, name: string, args: unknown, maxChars?: number): Promise<ToolOutcome> {
  const tool = BY_NAME.get(name);
  if (!tool) return { ok: false, error: `unknown tool ${JSON.stringify(String(name).slice(0, 40))}; tools: ${TOOLS.map((t) => t.name).join(', ')}` };
  const a: ToolArgs = args && typeof args === 'object' && !Array.isArray(args) ? (args as ToolArgs) : {};
  try {
    return { ok: true, result: bounded(escapeDeep(await tool.run(ctx, a)), maxChars) };
  } catch (e) {
    if (e instanceof ToolArgError || e instanceof MetricNameError) return { ok: false, error: e.message };
    return { ok: false, error: `${name} failed: ${(e as Error).message?.slice(0, 300) ?? String(e)}` };
  }
}
