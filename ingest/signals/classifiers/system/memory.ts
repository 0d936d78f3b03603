// memory_pressure and oom_risk from the memory sample (+ PSI memory).
// Pressure is judged on MemAvailable, never on "used": page cache is reclaimable,
// so a machine full of cache is healthy. PSI memory (tasks stalled on reclaim)
// confirms or overrides: with PSI quiet, low MemAvailable alone stays <= medium.
import type { StoredEvent } from '../../../observer.js';
import type { EventOf } from '../../../../lib/events.js';
import { ladderScore, ladderSeverity } from '../../severity.js';
import { capSeverity, maxSeverity, rank, SEVERITIES, type Severity } from '../../../../lib/severity.js';
import { dedupKey, HOST, LazyObservation, NONE, type Gate, type Level, type Observation } from '../../signal.js';
import { psiSomePct, type HostState, type Psi } from '../../host-state.js';
import { MEMORY, OOM, metricGate } from '../../thresholds.js';
import { frac, kib, pct } from '../../../../lib/format.js';
import { topRss } from './top.js';

/** What a memory_pressure draft is built from, once the sample is known not to be an exit. */
interface Pressure {
  used: number; psi?: Psi; some: number; full: number; sevUsed: Severity; sevPsi: Severity; psiQuiet: boolean;
  severity: Severity; score: number;
}
interface OomRisk { used: number; deficit: number; psi?: Psi; full: number; tte?: number; severity: Severity; score: number }

const PRESSURE_KEY = dedupKey('memory_pressure', HOST);
const OOM_KEY = dedupKey('oom_risk', HOST);

export class MemoryRules {
  private readonly avail: { ts: number; kb: number }[] = [];

  constructor(private readonly host: HostState) {}

  onMemory(stored: StoredEvent, ev: EventOf<'memory'>): readonly Observation[] {
    if (ev.total_kb <= 0) return NONE;
    this.trackAvailable(ev);
    return [this.pressure(stored, ev), this.oomRisk(stored, ev)];
  }

  private pressure(stored: StoredEvent, ev: EventOf<'memory'>): Observation {
    const used = 1 - ev.available_kb / ev.total_kb;
    const psi = this.host.psiOf('memory', ev.ts);
    const some = psi ? psiSomePct(psi) : 0;
    // full has only the lagging avg10: it counts while tasks are stalling now.
    const full = some >= MEMORY.psiSomeExit ? psi?.full_avg10 ?? 0 : 0;
    let sevUsed = ladderSeverity(used, MEMORY.used);
    let scoreUsed = ladderScore(used, MEMORY.used);
    const psiQuiet = psi !== undefined && some < MEMORY.psiQuiet && used < MEMORY.used[3];
    if (psiQuiet) { sevUsed = capSeverity(sevUsed, 'medium'); scoreUsed = Math.min(scoreUsed, 0.749); }
    const sevPsi = maxSeverity(ladderSeverity(some, MEMORY.psiSome), ladderSeverity(full, MEMORY.psiFull));
    const severity = maxSeverity(sevUsed, sevPsi);
    // pressure_score = max(ladder(1 - MemAvailable/MemTotal), ladder(PSI some), ladder(PSI full))
    const score = Math.max(scoreUsed, ladderScore(some, MEMORY.psiSome), ladderScore(full, MEMORY.psiFull));
    const hold = used >= MEMORY.usedExit || some >= MEMORY.psiSomeExit;
    const level = severity !== 'none' ? 'enter' : hold ? 'hold' : 'exit';
    const gate = metricGate(this.host.intervalS);
    // A healthy sample (nearly all of them) is an exit, which needs no draft.
    if (level === 'exit') return { key: PRESSURE_KEY, ts: ev.ts, level, gate };
    return this.pressureSignal(stored, ev, level, gate, { used, psi, some, full, sevUsed, sevPsi, psiQuiet, severity, score });
  }

  private pressureSignal(stored: StoredEvent, ev: EventOf<'memory'>, level: Level, gate: Gate, m: Pressure): Observation {
    const { used, psi, some, full, sevUsed, sevPsi, psiQuiet, severity, score } = m;
    return new LazyObservation(PRESSURE_KEY, ev.ts, level, gate, severity, () => {
      const patterns = [
        ...(rank(sevUsed) > 0 ? ['low_available_memory'] : []),
        ...(rank(sevPsi) > 0 ? ['reclaim_stalls'] : []),
        ...(psiQuiet ? ['no_stalls_yet'] : []),
        // Stalls while the host has plenty available: a memory-limited cgroup (container) is reclaiming.
        ...(rank(sevPsi) > 0 && used < 0.5 ? ['cgroup_limit_likely'] : []),
        ...(ev.dirty_kb > ev.total_kb * 0.1 ? ['dirty_pages_high'] : []),
        ...(ev.swap_total_kb > 0 && ev.swap_free_kb < ev.swap_total_kb * 0.5 ? ['swap_in_use'] : []),
      ];
      const psiText = psi ? `PSI memory some ${pct(some, 1)} / full ${pct(full, 1)}` : 'no PSI on this kernel';
      return {
        category: 'symptom', type: 'memory_pressure', scope: 'system', label: 'Memory pressure', severity, score,
        summary: `Memory pressure: ${frac(1 - used, 0)} of RAM available (${kib(ev.available_kb)} of ${kib(ev.total_kb)}), ${psiText}` +
          (ev.swap_total_kb > 0 ? `, swap ${kib(ev.swap_total_kb - ev.swap_free_kb)} of ${kib(ev.swap_total_kb)} used` : ', no swap'),
        patterns,
        hints: ['Find the processes with the largest RSS (top_rss in context)',
          'cgroup_limit_likely: a container or service hit its memory.max; raise it or find its leak',
          'A steady climb in memory.used_fraction (baseline_snapshots) suggests a leak',
          'PSI memory full > 0 means every runnable task waited on memory at once'],
        entity: HOST,
        context: {
          available_kb: ev.available_kb, total_kb: ev.total_kb, used_fraction: round(used), cached_kb: ev.cached_kb,
          anon_kb: ev.anon_kb, dirty_kb: ev.dirty_kb, swap_total_kb: ev.swap_total_kb, swap_free_kb: ev.swap_free_kb,
          psi_memory: psi ? { some_avg10: psi.some_avg10, full_avg10: psi.full_avg10 ?? null, stall_ms_per_s: psi.some_stall_ms_per_s } : null,
          thresholds: { used: MEMORY.used, used_exit: MEMORY.usedExit, psi_some: MEMORY.psiSome, psi_full: MEMORY.psiFull },
          top_rss: topRss(this.host, ev.ts),
        },
        source: { table: stored.table, id: stored.rowId },
      };
    });
  }

  private oomRisk(stored: StoredEvent, ev: EventOf<'memory'>): Observation {
    const used = 1 - ev.available_kb / ev.total_kb;
    const deficit = 1 - (ev.available_kb + ev.swap_free_kb) / ev.total_kb;
    const psi = this.host.psiOf('memory', ev.ts);
    const full = psi && psiSomePct(psi) >= MEMORY.psiSomeExit ? psi.full_avg10 ?? 0 : 0;
    let severity = ladderSeverity(deficit, OOM.deficit);
    if (severity !== 'none' && full >= MEMORY.psiFull[1]) severity = bump(severity);
    const projected = used >= OOM.trendMinUsed ? this.secondsToExhaustion() : undefined;
    const tte = projected !== undefined && projected < 2 * OOM.exhaustionS.medium ? projected : undefined;
    if (tte !== undefined && tte < OOM.exhaustionS.high) severity = maxSeverity(severity, 'high');
    else if (tte !== undefined && tte < OOM.exhaustionS.medium) severity = maxSeverity(severity, 'medium');
    // pressure_score = max(ladder(1 - (MemAvailable+SwapFree)/MemTotal), 1 - tte/120 s when declining)
    const score = Math.max(ladderScore(deficit, OOM.deficit), tte !== undefined ? Math.max(0, 1 - tte / 120) : 0);
    const hold = deficit >= OOM.deficitExit || tte !== undefined;
    const level = severity !== 'none' ? 'enter' : hold ? 'hold' : 'exit';
    const gate = metricGate(this.host.intervalS);
    if (level === 'exit') return { key: OOM_KEY, ts: ev.ts, level, gate };
    return this.oomSignal(stored, ev, level, gate, { used, deficit, psi, full, tte, severity, score });
  }

  private oomSignal(stored: StoredEvent, ev: EventOf<'memory'>, level: Level, gate: Gate, m: OomRisk): Observation {
    const { used, deficit, psi, full, tte, severity, score } = m;
    const tteText = tte !== undefined ? `, falling fast enough to run out in about ${Math.round(tte)} s` : '';
    return new LazyObservation(OOM_KEY, ev.ts, level, gate, severity, () => ({
      category: 'symptom', type: 'oom_risk', scope: 'system', label: 'Out-of-memory risk', severity, score: Math.round(score * 1000) / 1000,
      summary: `OOM risk: ${kib(ev.available_kb)} RAM available (${frac(1 - used, 0)})` +
        (ev.swap_total_kb > 0 ? ` and ${kib(ev.swap_free_kb)} swap free` : ' and no swap') + tteText,
      patterns: [...(tte !== undefined ? ['rapid_memory_growth'] : []), ...(ev.swap_total_kb === 0 ? ['no_swap'] : []),
        ...(full >= MEMORY.psiFull[1] ? ['reclaim_stalls'] : [])],
      hints: ['The kernel OOM killer picks the largest oom_score: see top_rss in context',
        'Stopping or limiting the fastest-growing process avoids a random kill'],
      entity: HOST,
      context: {
        available_kb: ev.available_kb, swap_free_kb: ev.swap_free_kb, total_kb: ev.total_kb, deficit: round(deficit),
        seconds_to_exhaustion: tte !== undefined ? Math.round(tte) : null, psi_memory_full_avg10: psi?.full_avg10 ?? null,
        thresholds: { deficit: OOM.deficit, deficit_exit: OOM.deficitExit, exhaustion_s: OOM.exhaustionS },
        top_rss: topRss(this.host, ev.ts),
      },
      source: { table: stored.table, id: stored.rowId },
    }));
  }

  private trackAvailable(ev: EventOf<'memory'>): void {
    this.avail.push({ ts: ev.ts, kb: ev.available_kb });
    const since = ev.ts - 6 * this.host.intervalS - 1;
    while (this.avail.length > 2 && (this.avail.length > 12 || this.avail[0].ts < since)) this.avail.shift();
  }

  /** Least-squares slope of MemAvailable over the last ~6 samples; undefined unless falling. */
  private secondsToExhaustion(): number | undefined {
    const pts = this.avail;
    if (pts.length < 3) return undefined;
    const t0 = pts[0].ts;
    const n = pts.length;
    const mx = pts.reduce((s, p) => s + p.ts - t0, 0) / n;
    const my = pts.reduce((s, p) => s + p.kb, 0) / n;
    let sxy = 0; let sxx = 0;
    for (const p of pts) { sxy += (p.ts - t0 - mx) * (p.kb - my); sxx += (p.ts - t0 - mx) ** 2; }
    if (sxx === 0) return undefined;
    const slope = sxy / sxx; // kB per second
    if (slope >= 0) return undefined;
    return pts[n - 1].kb / -slope;
  }
}

const bump = (s: Severity): Severity => SEVERITIES[Math.min(rank(s) + 1, SEVERITIES.length - 1)];
const round = (x: number): number => Math.round(x * 10000) / 10000;
