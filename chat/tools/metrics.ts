// Metric names, the same as the baselines use (ingest/signals/classifiers/baselines.ts):
// "<source>.<column>" for host-wide tables, "<source>.<entity>.<column>" for
// per-device / per-interface / per-resource ones (block.vda.await_ms,
// net.eth0.rx_bytes_per_s, psi.memory.some_avg10). A name resolves to a table, a
// column that exists in it (checked against the schema: names are never trusted
// into SQL) and an optional entity filter.
import { tableExists, type Db } from '../../lib/db.js';
import type { Point } from '../../agent/trend.js';
import { columnsOf } from './db-util.js';
import { ToolArgError } from './types.js';

interface Source { readonly table: string; readonly entityColumn?: string }

export const SOURCES: Readonly<Record<string, Source>> = {
  cpu: { table: 'cpu_metrics' },
  memory: { table: 'memory_metrics' },
  load: { table: 'load_metrics' },
  tcp: { table: 'tcp_stats' },
  vmstat: { table: 'vmstat_metrics' },
  psi: { table: 'psi_metrics', entityColumn: 'resource' },
  block: { table: 'block_stats', entityColumn: 'dev' },
  net: { table: 'network_interface_stats', entityColumn: 'iface' },
};

const NOT_METRICS = new Set(['id', 'timestamp', 'interval_s', 'dev', 'iface', 'resource']);

export interface ResolvedMetric {
  readonly metric: string;
  readonly table: string;
  readonly column: string;
  readonly entityColumn?: string;
  readonly entity?: string;
  /** Valid range, for clamping projections. */
  readonly min?: number;
  readonly max?: number;
}

export const EXAMPLE_METRICS = [
  'cpu.busy_pct', 'cpu.iowait_pct', 'memory.used_fraction', 'memory.available_kb', 'load.load1_per_cpu',
  'psi.cpu.some_avg10', 'psi.memory.some_avg10', 'psi.io.some_avg10', 'block.<dev>.await_ms', 'block.<dev>.util_pct',
  'net.<iface>.rx_bytes_per_s', 'tcp.retrans_per_s', 'tcp.time_wait', 'vmstat.pgmajfault_per_s', 'vmstat.pswpout_per_s',
];

function rangeOf(column: string): { min?: number; max?: number } {
  if (column.endsWith('_pct') || column.startsWith('some_avg') || column.startsWith('full_avg')) return { min: 0, max: 100 };
  if (column.endsWith('_fraction') || column.endsWith('_ratio')) return { min: 0, max: 1 };
  return { min: 0 };
}

/** Entities with rows in the table (devices, interfaces, resources), for error messages. */
export function entitiesOf(db: Db, source: string): string[] {
  const s = SOURCES[source];
  if (!s?.entityColumn || !tableExists(db, s.table)) return [];
  return (db.prepare(`SELECT DISTINCT ${s.entityColumn} AS e FROM ${s.table} ORDER BY e LIMIT 30`).all() as Array<{ e: string }>).map((r) => r.e);
}

export function metricColumns(db: Db, source: string): string[] {
  const s = SOURCES[source];
  return s ? columnsOf(db, s.table).filter((c) => !NOT_METRICS.has(c)) : [];
}

export function resolveMetric(db: Db, metric: string): ResolvedMetric {
  const parts = metric.trim().split('.');
  const source = parts[0] ?? '';
  const s = Object.hasOwn(SOURCES, source) ? SOURCES[source] : undefined;
  if (!s) throw new ToolArgError(`unknown metric ${JSON.stringify(metric.slice(0, 60))}: it starts with one of ${Object.keys(SOURCES).join(', ')}; examples: ${EXAMPLE_METRICS.join(', ')}`);
  const wantParts = s.entityColumn ? 3 : 2;
  // Entity names may themselves contain dots (eth0.100): the column is the last part.
  if (parts.length < wantParts || (!s.entityColumn && parts.length !== 2)) {
    throw new ToolArgError(`metric for ${source} is ${s.entityColumn ? `${source}.<${s.entityColumn}>.<column>` : `${source}.<column>`}; ${s.entityColumn ? `${s.entityColumn} values: ${entitiesOf(db, source).join(', ') || 'none recorded'}; ` : ''}columns: ${metricColumns(db, source).join(', ')}`);
  }
  const column = parts[parts.length - 1]!;
  if (!metricColumns(db, source).includes(column)) {
    throw new ToolArgError(`${source} has no column ${JSON.stringify(column.slice(0, 40))}; columns: ${metricColumns(db, source).join(', ') || `none (no ${s.table} table)`}`);
  }
  const entity = s.entityColumn ? parts.slice(1, -1).join('.') : undefined;
  return { metric, table: s.table, column, entityColumn: s.entityColumn, entity, ...rangeOf(column) };
}

/** (t, v) points of a metric since sinceS, oldest first, at most `max` (evenly thinned). */
export function metricPoints(db: Db, m: ResolvedMetric, sinceS: number, max = 2000): Point[] {
  const where = m.entityColumn ? `AND ${m.entityColumn} = ?` : '';
  const params: unknown[] = m.entityColumn ? [sinceS, m.entity] : [sinceS];
  const rows = (db.prepare(`SELECT timestamp AS t, ${m.column} AS v FROM ${m.table} WHERE timestamp >= ? ${where} ORDER BY timestamp`).all(...params) as Point[])
    .filter((p) => typeof p.v === 'number' && Number.isFinite(p.v));
  if (rows.length <= max) return rows;
  const step = rows.length / max;
  return Array.from({ length: max }, (_, i) => rows[Math.floor(i * step)]!);
}

/** The metric's newest value regardless of age. */
export function latestPoint(db: Db, m: ResolvedMetric): Point | undefined {
  const where = m.entityColumn ? `WHERE ${m.entityColumn} = ?` : '';
  const params: unknown[] = m.entityColumn ? [m.entity] : [];
  return db.prepare(`SELECT timestamp AS t, ${m.column} AS v FROM ${m.table} ${where} ORDER BY timestamp DESC LIMIT 1`).get(...params) as Point | undefined;
}
