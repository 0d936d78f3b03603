// Per-metric baselines (baseline_snapshots) and the baseline_anomaly signal.
// Every scraped sample updates its metrics' Welford + EWMA statistics; rows are
// written every BASELINE.persistEveryS and read back at start, so a restart keeps
// its history. An anomaly opens when, after BASELINE.minSamples samples, a metric
// sits more than BASELINE.zEnter recent standard deviations ABOVE its EWMA AND
// at least the metric's minDelta above it (both: z alone fires on flat metrics,
// the delta alone on noisy ones). Only upward moves: every metric here is
// "more is worse". Each sample is compared before it joins the baseline, and an
// anomalous one joins with a tenth of the usual EWMA weight.
import type { Db } from '../../../lib/db.js';
import type { StoredEvent } from '../../observer.js';
import { RunningStats, type BaselineRow } from './baseline-stats.js';
import { clamp01 } from '../severity.js';
import { LazyObservation, NONE, type Level, type Observation } from '../signal.js';
import { Samples, type Metric } from './baseline-metrics.js';
import type { HostState } from '../host-state.js';
import { BASELINE, metricGate } from '../thresholds.js';
import { compact } from '../../../lib/format.js';

export class BaselineTracker {
  private readonly stats = new Map<string, RunningStats>();
  private readonly dirty = new Set<string>();
  private readonly samples = new Samples();
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

  observe(stored: StoredEvent): readonly Observation[] {
    const samples = this.samples.of(stored.event, this.host.cpus);
    let out: Observation[] | undefined;
    for (let i = 0; i < samples.count; i++) {
      const m = samples.metrics[i];
      const value = samples.values[i];
      if (!Number.isFinite(value)) continue;
      let st = this.stats.get(m.name);
      if (!st) {
        if (this.stats.size >= BASELINE.maxMetrics) continue;
        st = RunningStats.empty(m.name);
        this.stats.set(m.name, st);
      }
      const judged = st.row.count >= BASELINE.minSamples ? this.judge(stored, m, value, st) : undefined;
      if (judged) (out ??= []).push(judged);
      // An anomalous sample moves the EWMA with a tenth of the weight: an ongoing
      // anomaly is not absorbed into its own baseline within a minute, while a
      // lasting shift still becomes the new normal (~500 samples).
      const unusual = judged !== undefined && judged.level !== 'exit';
      st.add(value, stored.event.ts, unusual ? BASELINE.alpha / 10 : BASELINE.alpha);
      this.dirty.add(m.name);
    }
    return out ?? NONE;
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

  private judge(stored: StoredEvent, m: Metric, value: number, st: RunningStats): Observation {
    const r = st.row;
    const delta = value - r.ewma;
    const z = st.z(value, m.minDelta);
    const enter = z >= BASELINE.zEnter && delta >= m.minDelta;
    const hold = z >= BASELINE.zExit && delta >= m.minDelta / 2;
    const level: Level = enter ? 'enter' : hold ? 'hold' : 'exit';
    // 3 samples in a row: a one-sample spike is not a change of behaviour.
    const gate = metricGate(this.host.intervalS, 3);
    // An exit needs no draft (the store only counts it): nearly every sample, so nothing else is built.
    if (level === 'exit') return { key: m.key, ts: stored.event.ts, level, gate };
    return this.anomaly(stored, m, value, st, { key: m.key, ts: stored.event.ts, level, gate }, z, delta);
  }

  private anomaly(stored: StoredEvent, m: Metric, value: number, st: RunningStats, o: Omit<Observation, 'draft'>,
    z: number, delta: number): Observation {
    const severity = o.level !== 'enter' ? 'none' : z >= BASELINE.zMedium && delta >= 2 * m.minDelta ? 'medium' : 'low';
    // The sample joins the statistics right after this: the draft, built later, describes them as they were.
    const { ewma, mean, count, min, max } = st.row;
    const ewmStd = st.ewmStd;
    const std = st.std;
    return new LazyObservation(o.key, o.ts, o.level, o.gate, severity, () => ({
      category: 'baseline', type: 'baseline_anomaly', scope: m.entity.type, label: `Unusual ${m.name}`, severity,
      // pressure_score = z / (2 * zMedium), capped at 1 (z 4 -> 0.25, z 8 -> 0.5, z 16 -> 1)
      score: Math.round(clamp01(z / (2 * BASELINE.zMedium)) * 1000) / 1000,
      summary: `${m.name} is ${compact(value, 2)}, above its recent baseline ${compact(ewma, 2)} ± ${compact(ewmStd, 2)} ` +
        `(z ${compact(z, 1)}; all-time mean ${compact(mean, 2)} over ${count} samples)`,
      patterns: ['above_baseline', ...(value > max ? ['new_maximum'] : [])],
      hints: ['A baseline anomaly is context: look for a symptom signal on the same entity',
        'A lasting change (deployment, new workload) is absorbed into the baseline within a few minutes'],
      entity: m.entity,
      context: {
        metric: m.name, value, ewma, ewm_std: ewmStd, mean, std, count,
        min, max, z, delta, min_delta: m.minDelta,
        thresholds: { z_enter: BASELINE.zEnter, z_exit: BASELINE.zExit, z_medium: BASELINE.zMedium, min_samples: BASELINE.minSamples },
      },
      source: { table: stored.table, id: stored.rowId },
    }), false);
  }
}
