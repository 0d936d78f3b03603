// The processes a signal is most likely about, from the latest process scrape,
// with the (pid, start_time) identity the agent needs to act on one safely.
import type { HostState } from '../../host-state.js';

export interface RssProcess { pid: number; start_time: number; comm: string; rss_kb: number; cpu_pct: number }

export function topRss(host: HostState, ts: number, n = 5): RssProcess[] {
  return [...host.procs.values()]
    .filter((p) => Math.abs(ts - p.ts) <= host.maxAgeS)
    .sort((a, b) => b.rss_kb - a.rss_kb)
    .slice(0, n)
    .map((p) => ({ pid: p.pid, start_time: p.start_time, comm: p.comm, rss_kb: p.rss_kb, cpu_pct: p.cpu_pct }));
}
