// The catalogue of metric names: the one place a name, its table, its column (or
// expression), its unit and its grouping key are written down. Names are the ones
// the baselines use (ingest/signals/classifiers/baseline-metrics.ts):
// "<source>.<column>" for host-wide tables, "<source>.<group>.<column>" for
// per-device / per-interface / per-resource ones (block.vda.await_ms,
// net.eth0.rx_bytes_per_s, psi.memory.some_avg10). Any numeric column of a source
// table resolves, checked against the schema: names are never trusted into SQL.
import { tableExists, type Db } from '../db.js';

/** Raw tables the read model reads samples from. */
export type RawTable =
  | 'cpu_metrics' | 'memory_metrics' | 'load_metrics' | 'tcp_stats' | 'vmstat_metrics'
  | 'psi_metrics' | 'block_stats' | 'network_interface_stats' | 'io_latency_stats';

export type GroupKey = 'dev' | 'iface' | 'resource';

export type Unit =
  | 'percent' | 'ratio' | 'kilobytes' | 'kilobytes_per_second' | 'bytes_per_second' | 'per_second'
  | 'milliseconds' | 'microseconds' | 'count' | 'load';

export interface Source { readonly table: RawTable; readonly groupBy?: GroupKey; readonly description: string }

export const SOURCES = {
  cpu: { table: 'cpu_metrics', description: 'CPU time split from /proc/stat' },
  memory: { table: 'memory_metrics', description: '/proc/meminfo' },
  load: { table: 'load_metrics', description: 'load averages and runnable threads' },
  tcp: { table: 'tcp_stats', description: 'TCP socket states and retransmits' },
  vmstat: { table: 'vmstat_metrics', description: 'paging, swapping, reclaim and OOM kills from /proc/vmstat' },
  psi: { table: 'psi_metrics', groupBy: 'resource', description: 'pressure stall information per resource (cpu, memory, io)' },
  block: { table: 'block_stats', groupBy: 'dev', description: 'block device throughput, utilisation and latency' },
  net: { table: 'network_interface_stats', groupBy: 'iface', description: 'network interface throughput, errors and drops' },
} as const satisfies Readonly<Record<string, Source>>;

export type SourceName = keyof typeof SOURCES;

export interface MetricDef {
  readonly source: SourceName;
  /** A column of the source table, or a name for `expr`. */
  readonly column: string;
  /** SQL over the source table's columns, for derived metrics. */
  readonly expr?: string;
  readonly unit: Unit;
  readonly description: string;
}

const m = (source: SourceName, column: string, unit: Unit, description: string, expr?: string): MetricDef =>
  ({ source, column, unit, description, ...(expr ? { expr } : {}) });

/** The metrics readers name (baselines, the agent's series, chat's examples). Other columns resolve with an inferred unit. */
export const METRICS: readonly MetricDef[] = [
  m('cpu', 'busy_pct', 'percent', 'CPU busy (all CPUs, not idle or iowait)'),
  m('cpu', 'iowait_pct', 'percent', 'CPU idle waiting for I/O'),
  m('cpu', 'user_pct', 'percent', 'CPU in user mode'),
  m('cpu', 'system_pct', 'percent', 'CPU in kernel mode'),
  m('cpu', 'steal_pct', 'percent', 'CPU stolen by the hypervisor'),
  m('memory', 'used_fraction', 'ratio', 'memory in use (1 - available/total)'),
  m('memory', 'available_kb', 'kilobytes', 'MemAvailable'),
  m('memory', 'total_kb', 'kilobytes', 'MemTotal'),
  m('memory', 'dirty_kb', 'kilobytes', 'dirty page cache waiting for writeback'),
  m('load', 'load1', 'load', '1-minute load average'),
  m('load', 'load1_per_cpu', 'load', '1-minute load average per CPU'),
  m('psi', 'some_avg10', 'percent', 'share of time some task stalled on the resource, 10 s average'),
  m('psi', 'full_avg10', 'percent', 'share of time all non-idle tasks stalled on the resource, 10 s average'),
  m('block', 'await_ms', 'milliseconds', 'average time a request spent queued and served'),
  m('block', 'util_pct', 'percent', 'time the device had requests in flight'),
  m('block', 'queue_depth', 'count', 'average requests in flight'),
  m('net', 'rx_bytes_per_s', 'bytes_per_second', 'received bytes'),
  m('net', 'tx_bytes_per_s', 'bytes_per_second', 'sent bytes'),
  m('tcp', 'retrans_per_s', 'per_second', 'retransmitted segments'),
  m('tcp', 'time_wait', 'count', 'sockets in TIME_WAIT'),
  m('tcp', 'established', 'count', 'established connections'),
  m('vmstat', 'pgmajfault_per_s', 'per_second', 'major page faults (read from disk)'),
  m('vmstat', 'pswpout_per_s', 'per_second', 'pages swapped out'),
  m('vmstat', 'pswpin_per_s', 'per_second', 'pages swapped in'),
  m('vmstat', 'swap_pages_per_s', 'per_second', 'pages swapped in and out', 'pswpin_per_s + pswpout_per_s'),
  m('vmstat', 'oom_kill_delta', 'count', 'OOM kills since the previous sample'),
];

/** Names to show a person or a model; <dev> and <iface> stand for any device or interface. */
export const EXAMPLE_METRICS = [
  'cpu.busy_pct', 'cpu.iowait_pct', 'memory.used_fraction', 'memory.available_kb', 'load.load1_per_cpu',
  'psi.cpu.some_avg10', 'psi.memory.some_avg10', 'psi.io.some_avg10', 'block.<dev>.await_ms', 'block.<dev>.util_pct',
  'net.<iface>.rx_bytes_per_s', 'tcp.retrans_per_s', 'tcp.time_wait', 'vmstat.pgmajfault_per_s', 'vmstat.pswpout_per_s',
];

/** A name the catalogue cannot resolve; the message lists what would. */
export class MetricNameError extends Error {}

export interface ResolvedMetric {
  readonly metric: string;
  readonly table: RawTable;
  /** The column, or the derived metric's name. */
  readonly column: string;
  /** What to SELECT: the column, or the derived metric's expression. */
  readonly sql: string;
  readonly unit: Unit;
  readonly description: string;
  readonly groupBy?: GroupKey;
  readonly group?: string;
  /** Valid range, for clamping projections. */
  readonly min?: number;
  readonly max?: number;
}

const NOT_METRICS = new Set(['id', 'timestamp', 'interval_s', 'dev', 'iface', 'resource']);

function unitOfColumn(column: string): Unit {
  if (column.endsWith('_pct') || column.startsWith('some_avg') || column.startsWith('full_avg')) return 'percent';
  if (column.endsWith('_fraction') || column.endsWith('_ratio')) return 'ratio';
  if (column.endsWith('_kb_per_s')) return 'kilobytes_per_second';
  if (column.endsWith('_bytes_per_s')) return 'bytes_per_second';
  if (column.endsWith('_per_s')) return 'per_second';
  if (column.endsWith('_kb')) return 'kilobytes';
  if (column.endsWith('_ms') || column === 'some_stall_ms_per_s') return 'milliseconds';
  if (column.startsWith('load')) return 'load';
  return 'count';
}

function rangeOf(unit: Unit): { min?: number; max?: number } {
  if (unit === 'percent') return { min: 0, max: 100 };
  if (unit === 'ratio') return { min: 0, max: 1 };
  return { min: 0 };
}

/** The unit of a metric name, for baselines and exports; undefined when the name is not a metric. */
export function unitOf(metric: string): Unit | undefined {
  const parts = metric.split('.');
  const source = parts[0] ?? '';
  if (!Object.hasOwn(SOURCES, source) || parts.length < 2) return undefined;
  const column = parts[parts.length - 1]!;
  return METRICS.find((d) => d.source === source && d.column === column)?.unit ?? unitOfColumn(column);
}

export function columnsOf(db: Db, table: RawTable): string[] {
  if (!tableExists(db, table)) return [];
  return (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
}

/** Groups with rows in the table (devices, interfaces, resources), for error messages. */
export function groupsOf(db: Db, source: SourceName): string[] {
  const s: Source = SOURCES[source];
  if (!s.groupBy || !tableExists(db, s.table)) return [];
  return (db.prepare(`SELECT DISTINCT ${s.groupBy} AS e FROM ${s.table} ORDER BY e LIMIT 30`).all() as Array<{ e: string }>).map((r) => r.e);
}

export function metricColumns(db: Db, source: SourceName): string[] {
  return columnsOf(db, SOURCES[source].table).filter((c) => !NOT_METRICS.has(c));
}

export function resolveMetric(db: Db, metric: string): ResolvedMetric {
  const parts = metric.trim().split('.');
  const name = parts[0] ?? '';
  if (!Object.hasOwn(SOURCES, name)) throw new MetricNameError(`unknown metric ${JSON.stringify(metric.slice(0, 60))}: it starts with one of ${Object.keys(SOURCES).join(', ')}; examples: ${EXAMPLE_METRICS.join(', ')}`);
  const source = name as SourceName;
  const s: Source = SOURCES[source];
  const wantParts = s.groupBy ? 3 : 2;
  // Group names may themselves contain dots (eth0.100): the column is the last part.
  if (parts.length < wantParts || (!s.groupBy && parts.length !== 2)) {
    throw new MetricNameError(`metric for ${source} is ${s.groupBy ? `${source}.<${s.groupBy}>.<column>` : `${source}.<column>`}; ${s.groupBy ? `${s.groupBy} values: ${groupsOf(db, source).join(', ') || 'none recorded'}; ` : ''}columns: ${metricColumns(db, source).join(', ')}`);
  }
  const column = parts[parts.length - 1]!;
  const def = METRICS.find((d) => d.source === source && d.column === column);
  const columns = metricColumns(db, source);
  // A derived metric needs the columns its expression reads; those are in the table when any column is.
  if (!(def?.expr ? columns.length > 0 : columns.includes(column))) {
    throw new MetricNameError(`${source} has no column ${JSON.stringify(column.slice(0, 40))}; columns: ${columns.join(', ') || `none (no ${s.table} table)`}`);
  }
  const unit = def?.unit ?? unitOfColumn(column);
  return {
    metric, table: s.table, column, sql: def?.expr ?? column, unit, description: def?.description ?? `${column} from ${s.table}`,
    ...(s.groupBy ? { groupBy: s.groupBy, group: parts.slice(1, -1).join('.') } : {}),
    ...rangeOf(unit),
  };
}
