// A process tree's own cost over a window: CPU (% of one core, from
// /proc/<pid>/stat) and RSS and PSS (from smaps_rollup) summed over every process
// of the tree, plus the time its
// eBPF programs ran inside the traced tasks (only counted while
// kernel.bpf_stats_enabled=1; /proc charges that time to the traced tasks).
import { setTimeout as sleep } from 'node:timers/promises';
import { bpfRunNs, bpfStatsEnabled, sampleTree, treeCpuPct, type TreeSample } from './procs.js';
import { CLK_TCK } from '../lib/procfs/pid.js';

export interface Footprint {
  readonly seconds: number;
  /** User-space CPU of every process of ours, % of one core. */
  readonly cpu_pct_one_core: number;
  /** eBPF programs' run time, % of one core; null when not measured. */
  readonly bpf_cpu_pct_one_core: number | null;
  readonly rss_mb_avg: number;
  readonly rss_mb_max: number;
  /** PSS: what the tree really holds, shared pages counted once in total. */
  readonly pss_mb_avg: number;
  readonly pss_mb_max: number;
  readonly processes: number;
  /** Each process at the end of the window: CPU % of one core over it, RSS, PSS. */
  readonly by_process: { name: string; cpu_pct_one_core: number; rss_mb: number; pss_mb: number }[];
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const avg = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Measure the tree under `root` for `seconds`, sampling memory every `everyMs` (2 s by default). */
export async function measureFootprint(root: number, seconds: number, everyMs = 2000): Promise<Footprint> {
  const bpf = bpfStatsEnabled();
  const first = sampleTree(root);
  const bpf0 = bpf ? bpfRunNs([...first.ticks.keys()].map((k) => Number(k.split(':')[0]))) : 0;
  const rss: number[] = [first.rssKb];
  const pss: number[] = [first.pssKb];
  let last: TreeSample = first;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(Math.min(everyMs, Math.max(0, end - Date.now())));
    last = sampleTree(root);
    rss.push(last.rssKb);
    pss.push(last.pssKb);
  }
  const wall = (last.atMs - first.atMs) / 1000;
  const bpf1 = bpf ? bpfRunNs([...last.ticks.keys()].map((k) => Number(k.split(':')[0]))) : 0;
  return {
    seconds: r2(wall),
    cpu_pct_one_core: r2(treeCpuPct(first, last)),
    bpf_cpu_pct_one_core: bpf ? r2((100 * (bpf1 - bpf0)) / 1e9 / wall) : null,
    rss_mb_avg: r2(avg(rss) / 1024),
    rss_mb_max: r2(Math.max(...rss) / 1024),
    pss_mb_avg: r2(avg(pss) / 1024),
    pss_mb_max: r2(Math.max(...pss) / 1024),
    processes: last.pids,
    by_process: [...last.procs].map(([key, p]) => ({
      name: p.name,
      cpu_pct_one_core: r2((100 * ((last.ticks.get(key)! - (first.ticks.get(key) ?? 0)) / CLK_TCK)) / wall),
      rss_mb: r2(p.rssKb / 1024),
      pss_mb: r2(p.pssKb / 1024),
    })).sort((a, b) => b.cpu_pct_one_core - a.cpu_pct_one_core),
  };
}
