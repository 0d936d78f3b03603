// top_processes: who is using the CPU or memory right now, measured from /proc
// over a short window (the agent's own sampler), or the latest snapshot the
// scraper recorded. Process names are untrusted: quoted and capped.
import { sample } from '../../agent/proc/sampler.js';
import { latestProcesses } from '../../lib/read-model/latest.js';
import { quoteUntrusted } from '../../lib/sanitize.js';
import { isoLocal } from '../../lib/time.js';
import { r2 } from './round.js';
import { enumArg, intArg, type ChatTool, type ToolContext } from './types.js';

export interface ProcView {
  readonly pid: number;
  readonly start_time: number;
  readonly comm: string;
  readonly state: string;
  readonly cpu_pct: number | null;
  readonly rss_mb: number | null;
  readonly threads?: number;
  readonly nice?: number;
}

export async function liveTop(by: 'cpu' | 'memory', limit: number, windowMs: number, signal?: AbortSignal) {
  const s = await sample(windowMs, undefined, signal);
  const procs = s.processes.filter((p) => !p.isKernelThread);
  procs.sort(by === 'cpu' ? (a, b) => b.cpuPct - a.cpuPct : (a, b) => b.rssKb - a.rssKb);
  const view = procs.slice(0, limit).map((p): ProcView => ({
    pid: p.pid, start_time: p.startTime, comm: quoteUntrusted(p.comm, 32), state: p.state,
    cpu_pct: r2(p.cpuPct), rss_mb: r2(p.rssKb / 1024), threads: p.threads, nice: p.nice,
  }));
  return {
    source: '/proc now', window_s: r2(s.system.seconds), measured_at: isoLocal(Date.now() / 1000), by,
    system_busy_pct: r2(s.system.busyPct), cpus: s.system.cpus, processes: view, cpu_pct_is: 'percent of one CPU',
  };
}

export function recordedTop(ctx: ToolContext, by: 'cpu' | 'memory', limit: number) {
  const rank = by === 'cpu' ? 'cpu' : 'rss';
  const rows = latestProcesses(ctx.db, rank, limit);
  if (!rows) return { source: 'process_metrics', processes: [], note: 'no process_metrics table' };
  if (rows.length === 0) return { source: 'process_metrics', processes: [], note: `no processes recorded ranked by ${rank}` };
  return {
    source: 'process_metrics (scraper)', recorded_at: isoLocal(rows[0]!.timestamp), by,
    processes: rows.map((r): ProcView => ({ pid: r.pid, start_time: r.start_time, comm: quoteUntrusted(r.comm, 32), state: r.state, cpu_pct: r2(r.cpu_pct), rss_mb: r2(r.rss_kb / 1024), threads: r.threads, nice: r.nice })),
    cpu_pct_is: 'percent of one CPU',
  };
}

export const topProcesses: ChatTool = {
  name: 'top_processes',
  description: 'Top processes by CPU or memory (RSS): measured from /proc now over about one second, or the latest snapshot the scraper recorded. Identity is (pid, start_time).',
  params: {
    by: { type: 'string', description: 'rank by', enum: ['cpu', 'memory'] },
    limit: { type: 'integer', description: 'how many', minimum: 1, maximum: 15 },
    source: { type: 'string', description: 'now (measure /proc) or recorded (database)', enum: ['now', 'recorded'] },
  },
  async run(ctx, args) {
    const by = enumArg(args, 'by', ['cpu', 'memory'] as const, 'cpu');
    const limit = intArg(args, 'limit', 8, 1, 15);
    if (enumArg(args, 'source', ['now', 'recorded'] as const, 'now') === 'recorded') return recordedTop(ctx, by, limit);
    try {
      return await liveTop(by, limit, 1000, ctx.signal);
    } catch (e) {
      return { ...recordedTop(ctx, by, limit), note: `could not read /proc now (${(e as Error).message.slice(0, 100)}); showing the last recorded snapshot` };
    }
  },
};
