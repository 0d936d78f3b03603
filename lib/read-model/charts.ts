// The dashboard's charts over one window: every panel's series cut into the same
// equal buckets on the server (24 h is ~300 points per series, not the ~17 000 raw
// rows), on one shared time axis, with the signals as bands and the agent's
// decisions as markers. Timestamps are epoch seconds.
import { tableExists, type Db } from '../db.js';
import { decisionsIn, type AuditStatus } from './decisions.js';
import { MetricNameError, resolveMetric, type ResolvedMetric } from './metrics.js';
import { BUCKET_INDEX_SQL, bucketAverages } from './series.js';
import { signalsIn } from './signals.js';

export interface ChartSeries {
  readonly label: string;
  /** Which y axis: series of a panel with the same scale share one. */
  readonly scale: string;
  readonly unit: string;
  /** One per bucket of Charts.t; null where the bucket has no sample. */
  readonly values: ReadonlyArray<number | null>;
}

export interface ChartPanel { readonly id: string; readonly title: string; readonly series: readonly ChartSeries[] }

export interface SignalBand { readonly id: number; readonly type: string; readonly severity: string; readonly fromS: number; readonly toS: number; readonly summary: string }

export interface ActionMarker { readonly id: number; readonly action: string; readonly status: AuditStatus; readonly t: number; readonly target: string | null }

export interface Charts {
  readonly fromS: number;
  readonly toS: number;
  readonly stepS: number;
  /** Bucket starts, the x of every series. */
  readonly t: readonly number[];
  readonly panels: readonly ChartPanel[];
  readonly bands: readonly SignalBand[];
  readonly markers: readonly ActionMarker[];
}

export const DEFAULT_BUCKETS = 300;
/** At most this many devices or interfaces get their own series (the busiest). */
const MAX_GROUPS = 3;

interface Want { readonly metric: string; readonly label: string; readonly scale: string; readonly scaleBy?: number; readonly unit?: string }

/** The window cut into n buckets of stepS seconds. */
interface Axis { readonly fromS: number; readonly toS: number; readonly stepS: number; readonly n: number }

/** Per device: the worst op's p50/p95/p99 in each bucket (the tracer's in-kernel histograms), in ms. */
function ioLatency(db: Db, axis: Axis, devices: readonly string[]): ChartSeries[] {
  if (!tableExists(db, 'io_latency_stats')) return [];
  const rows = db.prepare(`SELECT dev, ${BUCKET_INDEX_SQL} AS b, MAX(p50_us) AS p50, MAX(p95_us) AS p95, MAX(p99_us) AS p99
    FROM io_latency_stats WHERE timestamp >= ? AND timestamp <= ? AND count > 0 GROUP BY dev, b`)
    .all(axis.fromS, axis.stepS, axis.n - 1, axis.fromS, axis.toS) as Array<{ dev: string; b: number; p50: number; p95: number; p99: number }>;
  const out: ChartSeries[] = [];
  for (const dev of devices) {
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const values: Array<number | null> = new Array(axis.n).fill(null);
      for (const r of rows) if (r.dev === dev) values[r.b] = shown(r[p] / 1000);
      if (values.some((v) => v !== null)) out.push({ label: `${dev} ${p}`, scale: 'ms', unit: 'milliseconds', values });
    }
  }
  return out;
}

/** The busiest groups of a table in the window (by the given column's sum), in one pass. */
function busiest(db: Db, table: 'io_latency_stats' | 'network_interface_stats', key: 'dev' | 'iface', by: string, w: { fromS: number; toS: number }, skip: readonly string[] = []): string[] {
  if (!tableExists(db, table)) return [];
  return (db.prepare(`SELECT ${key} AS g FROM ${table} WHERE timestamp >= ? AND timestamp <= ? GROUP BY g ORDER BY SUM(${by}) DESC`)
    .all(w.fromS, w.toS) as Array<{ g: string }>).map((r) => r.g).filter((g) => !skip.includes(g)).slice(0, MAX_GROUPS);
}

/** Four significant digits: what a chart can show, at half the JSON. */
const shown = (v: number) => Number(v.toPrecision(4));

export function charts(db: Db, w: { readonly fromS: number; readonly toS: number }, buckets = DEFAULT_BUCKETS): Charts {
  // A bucket narrower than the scrape interval would leave every other one empty,
  // and a line with a gap at every other point draws nothing.
  const spanS = w.toS - w.fromS;
  const sampleS = tableExists(db, 'cpu_metrics')
    ? (db.prepare('SELECT AVG(interval_s) AS s FROM cpu_metrics WHERE timestamp >= ? AND timestamp <= ?').get(w.fromS, w.toS) as { s: number | null }).s : null;
  const n = Math.max(2, Math.min(2000, Math.round(buckets), Math.floor(spanS / Math.max(1, 1.5 * (sampleS ?? 1)))));
  const stepS = spanS / n;
  const axis: Axis = { fromS: w.fromS, toS: w.toS, stepS, n };
  const ifaces = busiest(db, 'network_interface_stats', 'iface', 'rx_bytes_per_s + tx_bytes_per_s', w, ['lo']);
  const devices = busiest(db, 'io_latency_stats', 'dev', 'count', w);
  const wanted: Array<{ id: string; title: string; wants: readonly Want[]; before?: readonly ChartSeries[] }> = [
    { id: 'cpu', title: 'CPU busy and run queue', wants: [
      { metric: 'cpu.busy_pct', label: 'busy %', scale: '%' },
      { metric: 'cpu.iowait_pct', label: 'iowait %', scale: '%' },
      { metric: 'psi.cpu.some_avg10', label: 'PSI cpu some %', scale: '%' },
      { metric: 'load.runnable', label: 'runnable threads', scale: 'threads', unit: 'count' },
    ] },
    { id: 'memory', title: 'Memory available and pressure', wants: [
      { metric: 'memory.available_kb', label: 'available GiB', scale: 'GiB', scaleBy: 1 / 1048576, unit: 'gibibytes' },
      { metric: 'psi.memory.some_avg10', label: 'PSI memory some %', scale: '%' },
      { metric: 'psi.memory.full_avg10', label: 'PSI memory full %', scale: '%' },
    ] },
    { id: 'io', title: 'I/O latency per device (ms)', before: ioLatency(db, axis, devices), wants: [{ metric: 'psi.io.some_avg10', label: 'PSI io some %', scale: '%' }] },
    { id: 'network', title: 'Network and TCP states', wants: [
      ...ifaces.flatMap((i): Want[] => [
        { metric: `net.${i}.rx_bytes_per_s`, label: `${i} rx MiB/s`, scale: 'MiB/s', scaleBy: 1 / 1048576, unit: 'mebibytes_per_second' },
        { metric: `net.${i}.tx_bytes_per_s`, label: `${i} tx MiB/s`, scale: 'MiB/s', scaleBy: 1 / 1048576, unit: 'mebibytes_per_second' },
      ]),
      { metric: 'tcp.established', label: 'established', scale: 'sockets' },
      { metric: 'tcp.time_wait', label: 'time_wait', scale: 'sockets' },
    ] },
  ];
  const resolved = new Map<string, ResolvedMetric>();
  for (const p of wanted) for (const x of p.wants) {
    try { resolved.set(x.metric, resolveMetric(db, x.metric)); } catch (e) { if (!(e instanceof MetricNameError)) throw e; } // absent: no series
  }
  const avgs = bucketAverages(db, [...resolved.values()], { sinceS: axis.fromS, untilS: axis.toS }, axis.n);
  const seriesOf = (x: Want): ChartSeries | undefined => {
    const m = resolved.get(x.metric);
    const got = avgs.get(x.metric);
    if (!m || !got || got.size === 0) return undefined;
    const values: Array<number | null> = new Array(axis.n).fill(null);
    for (const [i, v] of got) values[i] = shown(v * (x.scaleBy ?? 1));
    return { label: x.label, scale: x.scale, unit: x.unit ?? m.unit, values };
  };
  const panels: ChartPanel[] = wanted.map((p) => ({ id: p.id, title: p.title, series: [...(p.before ?? []), ...p.wants.map(seriesOf).filter((s): s is ChartSeries => s !== undefined)] }));
  const bands = signalsIn(db, w, 500).map((s): SignalBand => ({
    id: s.signal_id, type: s.signal_type, severity: s.max_severity || s.severity, fromS: s.first_seen, toS: s.resolved_at ?? (s.status === 'open' ? w.toS : s.last_seen), summary: s.summary,
  }));
  const markers = decisionsIn(db, w, 500).filter((d) => d.status !== 'refused').map((d): ActionMarker => ({
    id: d.id, action: d.action, status: d.latest_status, t: d.ts, target: d.target_comm,
  }));
  return { fromS: w.fromS, toS: w.toS, stepS, t: Array.from({ length: n }, (_, i) => w.fromS + i * stepS), panels, bands, markers };
}
