// swap_thrashing and OOM kills, from /proc/vmstat rates.
// Thrashing is pages moving BOTH ways (or heavy swap-in): a one-off swap-out of
// idle pages is the kernel doing its job. A machine without swap cannot thrash.
// An OOM kill is a fact, not a level: it opens a critical oom_risk row at once
// (qualifier "oom_kill") that stays open OOM.killStaleS after the last kill.
import type { StoredEvent } from '../../../observer.js';
import type { EventOf } from '../../../../lib/events.js';
import { ladderScore, ladderSeverity } from '../../severity.js';
import { dedupKey, HOST, LazyObservation, NONE, type Observation } from '../../signal.js';
import type { HostState } from '../../host-state.js';
import { metricGate, OOM, SWAP } from '../../thresholds.js';
import { frac, kib, compact } from '../../../../lib/format.js';
import { topRss } from './top.js';

const SWAP_KEY = dedupKey('swap_thrashing', HOST);
const KILL_KEY = dedupKey('oom_risk', HOST, 'oom_kill');

export function swapThrashing(stored: StoredEvent, ev: EventOf<'vmstat'>, host: HostState): readonly Observation[] {
  const mem = host.fresh(host.memory, ev.ts);
  const gate = metricGate(host.intervalS);
  if (mem && mem.swap_total_kb === 0) return [{ key: SWAP_KEY, ts: ev.ts, level: 'exit', gate }];
  const pin = ev.pswpin_per_s;
  const pout = ev.pswpout_per_s;
  const total = pin + pout;
  const thrash = (pin >= SWAP.bothWaysMin && pout >= SWAP.bothWaysMin) || pin >= SWAP.pagesPerS[0];
  const severity = thrash ? ladderSeverity(total, SWAP.pagesPerS) : 'none';
  const psi = host.psiOf('memory', ev.ts);
  const level = severity !== 'none' ? 'enter' : total >= SWAP.exitPagesPerS ? 'hold' : 'exit';
  return [new LazyObservation(SWAP_KEY, ev.ts, level, gate, severity, () => ({
    category: 'symptom', type: 'swap_thrashing', scope: 'system', label: 'Swap thrashing', severity,
    // pressure_score = ladder(pswpin + pswpout pages/s)
    score: ladderScore(total, SWAP.pagesPerS),
    summary: `Swap thrashing: ${compact(pin)} pages/s swapped in and ${compact(pout)} pages/s swapped out` +
      (mem ? `, ${kib(mem.swap_total_kb - mem.swap_free_kb)} of ${kib(mem.swap_total_kb)} swap used, ${frac(mem.available_kb / mem.total_kb, 0)} RAM available` : ''),
    patterns: [pin >= SWAP.bothWaysMin && pout >= SWAP.bothWaysMin ? 'swap_in_and_out' : 'heavy_swap_in',
      ...(ev.pgmajfault_per_s > 100 ? ['major_faults'] : [])],
    hints: ['The working set no longer fits in RAM: find the largest RSS processes',
      'Lowering vm.swappiness only helps when cache, not anonymous memory, is the pressure'],
    entity: HOST,
    context: {
      pswpin_per_s: pin, pswpout_per_s: pout, pgmajfault_per_s: ev.pgmajfault_per_s, interval_s: ev.interval_s,
      swap_total_kb: mem?.swap_total_kb ?? null, swap_free_kb: mem?.swap_free_kb ?? null,
      psi_memory_full_avg10: psi?.full_avg10 ?? null, thresholds: { pages_per_s: SWAP.pagesPerS, both_ways_min: SWAP.bothWaysMin },
      top_rss: topRss(host, ev.ts),
    },
    source: { table: stored.table, id: stored.rowId },
  }))];
}

export function oomKills(stored: StoredEvent, ev: EventOf<'vmstat'>, host: HostState): readonly Observation[] {
  if (ev.oom_kill_delta <= 0) return NONE;
  const mem = host.fresh(host.memory, ev.ts);
  const gate = { enterSamples: 1, exitSamples: Number.POSITIVE_INFINITY, staleS: OOM.killStaleS };
  return [new LazyObservation(KILL_KEY, ev.ts, 'enter', gate, 'critical', () => ({
    category: 'symptom', type: 'oom_risk', scope: 'system', label: 'OOM kill', severity: 'critical', score: 1,
    summary: `The kernel OOM killer killed ${ev.oom_kill_delta} process${ev.oom_kill_delta > 1 ? 'es' : ''} in the last ${compact(ev.interval_s)} s` +
      (mem ? ` (${kib(mem.available_kb)} RAM available now)` : ''),
    patterns: ['oom_kill'],
    hints: ['dmesg / journal show which process was killed and its memory at the time',
      'A memory-limited cgroup can OOM while the host has free memory'],
    entity: HOST,
    context: {
      oom_kill_delta: ev.oom_kill_delta, interval_s: ev.interval_s,
      available_kb: mem?.available_kb ?? null, total_kb: mem?.total_kb ?? null, top_rss: topRss(host, ev.ts),
    },
    source: { table: stored.table, id: stored.rowId },
  }))];
}
