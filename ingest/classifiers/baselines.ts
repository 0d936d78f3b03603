// Per-metric baselines (baseline_snapshots) and the baseline_anomaly signal.
// Every scraped sample updates its metrics' Welford + EWMA statistics; rows are
// written every BASELINE.persistEveryS and read back at start, so a restart keeps
// its history. An anomaly opens when, after BASELINE.minSamples samples, a metric
// sits more than BASELINE.zEnter recent standard deviations ABOVE its EWMA AND
// at least the metric's minDelta above it (both: z alone fires on flat metrics,
// the delta alone on noisy ones). Only upward moves: every metric here is
// "more is worse". Each sample is compared before it joins the baseline, and an
// anomalous one joins with a tenth of the usual EWMA weight.
import type { Db } from '../../lib/db.js';
import type { KsEvent } from '../../lib/events.js';
import type { StoredEvent } from '../observer.js';
import { RunningStats, type BaselineRow } from './baseline-stats.js';
import { clamp01 } from './severity.js';
import { dedupKey, device, HOST, iface, type Entity, type Observation } from './signal.js';
import type { HostState } from './host-state.js';
import { BASELINE, BLOCK, NET, metricGate } from './thresholds.js';
import { num } from './format.js';

interface Sample { metric: string; value: number; entity: Entity; minDelta: number }

/** The metrics with a baseline, and the smallest change worth a person's attention. */
export function metricsOf(ev: KsEvent, cpus: number): Sample[] {
  const s = (metric: string, value: number, minDelta: number, entity: Entity = HOST): Sample => ({ metric, value, entity, minDelta });
  switch (ev.type) {
    case 'cpu': return [s('cpu.busy_pct', ev.busy_pct, 25), s('cpu.iowait_pct', ev.iowait_pct, 20)];
    case 'memory': return ev.total_kb > 0 ? [s('memory.used_fraction', 1 - ev.available_kb / ev.total_kb, 0.1)] : [];
    case 'load': return [s('load.load1_per_cpu', ev.load1 / cpus, 0.5)];
    case 'psi': return [s(`psi.${ev.resource}.some_avg10`, ev.some_avg10, 10)];
    case 'block':
      if (BLOCK.ignore.test(ev.dev)) return [];
      return [s(`block.${ev.dev}.await_ms`, ev.await_ms, 10, device(ev.dev)), s(`block.${ev.dev}.util_pct`, ev.util_pct, 30, device(ev.dev))];
    case 'net_if':
      if (NET.ignore.test(ev.iface)) return [];
      return [s(`net.${ev.iface}.rx_bytes_per_s`, ev.rx_bytes_per_s, 1 << 20, iface(ev.iface)),
        s(`net.${ev.iface}.tx_bytes_per_s`, ev.tx_bytes_per_s, 1 << 20, iface(ev.iface))];
    case 'tcp': return [s('tcp.retrans_per_s', ev.retrans_per_s, 5), s('tcp.time_wait', ev.time_wait, 200)];
    case 'vmstat': return [s('vmstat.pgmajfault_per_s', ev.pgmajfault_per_s, 50)];
    default: return [];
  }
}

export class BaselineTracker {
  private readonly stats = new Map<string, RunningStats>();
  private readonly dirty = new Set<string>();
  private loaded = false;
  private lastPersist = 0;

  constructor(private readonly host: HostState, private readonly opts: { persistEveryS?: number } = {}) {}

  load(db: Db): void {
    if (this.loaded) return;
    this.loaded = true;
    for (const r of db.prepare('SELECT * FROM baseline_snapshots').all() as BaselineRow[]) {
      this.stats.set(r.metric, new RunningStats({ ...r }));
    }
  }

  get(metric: string): RunningStats | undefined {
    return this.stats.get(metric);
  }

  observe(stored: StoredEvent): Observation[] {
    const out: Observation[] = [];
    for (const s of metricsOf(stored.event, this.host.cpus)) {
      if (!Number.isFinite(s.value)) continue;
      let st = this.stats.get(s.metric);
      if (!st) {
        if (this.stats.size >= BASELINE.maxMetrics) continue;
        st = RunningStats.empty(s.metric);
        this.stats.set(s.metric, st);
      }
      const judged = st.row.count >= BASELINE.minSamples ? this.judge(stored, s, st) : undefined;
      if (judged) out.push(judged);
      // An anomalous sample moves the EWMA with a tenth of the weight: an ongoing
      // anomaly is not absorbed into its own baseline within a minute, while a
      // lasting shift still becomes the new normal (~500 samples).
      const unusual = judged !== undefined && judged.level !== 'exit';
      st.add(s.value, stored.event.ts, unusual ? BASELINE.alpha / 10 : BASELINE.alpha);
      this.dirty.add(s.metric);
    }
    return out;
  }

  /** Write changed rows (upsert) when persistEveryS has passed, or always with force. */
  persist(db: Db, nowS: number, force = false): void {
    if (!force && nowS - this.lastPersist < (this.opts.persistEveryS ?? BASELINE.persistEveryS)) return;
    this.lastPersist = nowS;
    if (this.dirty.size === 0) return;
    const up = db.prepare(`INSERT INTO baseline_snapshots (metric, count, mean, m2, ewma, ewm_var, min, max, last_value, updated_at)
      VALUES (@metric, @count, @mean, @m2, @ewma, @ewm_var, @min, @max, @last_value, @updated_at)
      ON CONFLICT(metric) DO UPDATE SET count = excluded.count, mean = excluded.mean, m2 = excluded.m2, ewma = excluded.ewma,
        ewm_var = excluded.ewm_var, min = excluded.min, max = excluded.max, last_value = excluded.last_value,
        updated_at = excluded.updated_at`);
    for (const m of this.dirty) {
      const st = this.stats.get(m);
      if (st) up.run(st.row);
    }
    this.dirty.clear();
  }

  private judge(stored: StoredEvent, s: Sample, st: RunningStats): Observation {
    const r = st.row;
    const delta = s.value - r.ewma;
    const z = st.z(s.value, s.minDelta);
    const enter = z >= BASELINE.zEnter && delta >= s.minDelta;
    const hold = z >= BASELINE.zExit && delta >= s.minDelta / 2;
    const severity = !enter ? 'none' : z >= BASELINE.zMedium && delta >= 2 * s.minDelta ? 'medium' : 'low';
    return {
      key: dedupKey('baseline_anomaly', s.entity, s.metric), ts: stored.event.ts,
      level: enter ? 'enter' : hold ? 'hold' : 'exit',
      // 3 samples in a row: a one-sample spike is not a change of behaviour.
      gate: metricGate(this.host.intervalS, 3),
      draft: {
        category: 'baseline', type: 'baseline_anomaly', scope: s.entity.type, label: `Unusual ${s.metric}`, severity,
        // pressure_score = z / (2 * zMedium), capped at 1 (z 4 -> 0.25, z 8 -> 0.5, z 16 -> 1)
        score: Math.round(clamp01(z / (2 * BASELINE.zMedium)) * 1000) / 1000,
        summary: `${s.metric} is ${num(s.value, 2)}, above its recent baseline ${num(r.ewma, 2)} ± ${num(st.ewmStd, 2)} ` +
          `(z ${num(z, 1)}; all-time mean ${num(r.mean, 2)} over ${r.count} samples)`,
        patterns: ['above_baseline', ...(s.value > r.max ? ['new_maximum'] : [])],
        hints: ['A baseline anomaly is context: look for a symptom signal on the same entity',
          'A lasting change (deployment, new workload) is absorbed into the baseline within a few minutes'],
        entity: s.entity,
        context: {
          metric: s.metric, value: s.value, ewma: r.ewma, ewm_std: st.ewmStd, mean: r.mean, std: st.std, count: r.count,
          min: r.min, max: r.max, z, delta, min_delta: s.minDelta,
          thresholds: { z_enter: BASELINE.zEnter, z_exit: BASELINE.zExit, z_medium: BASELINE.zMedium, min_samples: BASELINE.minSamples },
        },
        source: { table: stored.table, id: stored.rowId },
      },
    };
  }
}
