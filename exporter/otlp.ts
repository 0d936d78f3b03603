// OpenTelemetry over OTLP/HTTP, configured by the standard OTEL_* variables (the
// OpenTelemetry JS SDK reads endpoint, headers, timeout and protocol itself):
// - metrics: the same families as /metrics (one refresh, one set of sums), as a
//   MetricProducer on a PeriodicExportingMetricReader (OTEL_METRIC_EXPORT_INTERVAL);
// - logs: every signal opened and resolved, and every audit row of the agent, as
//   a log record whose event.name is kernelsight.signal.opened / .resolved or
//   kernelsight.action.<status>, with the numbers as attributes.
// The SDK is imported only when an endpoint is set, so nobody else pays for it.
// Failed exports are retried by the SDK's exporter (backoff on 429/5xx); a batch
// it gives up on, or one its bounded queue had no room for, is counted in
// ExportStats. The database is not touched by any of this.
import os from 'node:os';
import type { Db } from '../lib/db.js';
import { parseJson } from '../lib/read-model/json.js';
import { escapeUntrusted } from '../lib/sanitize.js';
import type { ExportStats } from './export-stats.js';
import type { FamilyDef, Sample } from './family.js';
import { RowFeed } from '../lib/read-model/row-feed.js';
import { resolvedAfter, resolvedCursorNow, type ResolvedCursor } from '../lib/read-model/signals.js';
import type { MetricSource } from './source.js';

const EXPORTER = 'otlp';
type Env = Readonly<Record<string, string | undefined>>;

/** Whether OTLP is configured: an endpoint for OTLP as a whole or for metrics or logs, and the SDK not disabled. */
export function otlpConfigured(env: Env): { metrics: boolean; logs: boolean } {
  if (env.OTEL_SDK_DISABLED === 'true') return { metrics: false, logs: false };
  const all = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const off = (v: string | undefined) => v === 'none';
  return {
    metrics: (all || Boolean(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)) && !off(env.OTEL_METRICS_EXPORTER),
    logs: (all || Boolean(env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT)) && !off(env.OTEL_LOGS_EXPORTER),
  };
}

export interface Otlp { shutdown(): Promise<void> }

interface Event { readonly name: string; readonly body: string; readonly severity: 'INFO' | 'WARN' | 'ERROR'; readonly attributes: Record<string, string | number | boolean>; readonly atS: number }

/** Signals opened and resolved, and the agent's audit rows, since the last call. */
export class EventFeed {
  private readonly opened = new RowFeed('signal_metadata', 'signal_id, signal_type, severity, scope, summary, pressure_score, entity_type, entity_name, context_json, first_seen', 'signal_id');
  private readonly audit = new RowFeed('agent_actions', 'ts, ref_action_id, action, status, target_pid, target_comm, decided_by, refused_rule, justification, verification_json, confidence');
  private resolvedCursor: ResolvedCursor | null = null;

  next(db: Db): Event[] {
    const out: Event[] = [];
    for (const r of this.opened.next(db)) {
      const ctx = parseJson<Record<string, unknown>>(r.context_json as string, {});
      const evidence = Object.fromEntries(Object.entries(ctx).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)).slice(0, 32).map(([k, v]) => [`kernelsight.evidence.${k}`, v as number]));
      out.push({ name: 'kernelsight.signal.opened', body: escapeUntrusted(String(r.summary), 500), atS: Number(r.first_seen),
        severity: ['high', 'critical'].includes(String(r.severity)) ? 'WARN' : 'INFO',
        attributes: { 'kernelsight.signal.id': Number(r.signal_id), 'kernelsight.signal.type': String(r.signal_type), 'kernelsight.signal.severity': String(r.severity),
          'kernelsight.signal.scope': String(r.scope), 'kernelsight.signal.pressure': Number(r.pressure_score),
          ...(r.entity_type ? { 'kernelsight.entity.type': String(r.entity_type), 'kernelsight.entity.name': escapeUntrusted(String(r.entity_name ?? ''), 64) } : {}), ...evidence } });
    }
    out.push(...this.resolved(db));
    for (const r of this.audit.next(db)) {
      const status = String(r.status);
      if (status === 'executing') continue;
      const v = parseJson<Record<string, unknown> | null>(r.verification_json as string | null, null);
      const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
      const verification = v ? Object.fromEntries(Object.entries({ verdict: v.verdict, metric: v.metric, unit: v.unit, before: num(v.before), after: num(v.after), effect: num(v.effect), sigma: num(v.sigma) })
        .filter(([, x]) => x !== undefined && x !== null).map(([k, x]) => [`kernelsight.verification.${k}`, typeof x === 'number' ? x : String(x)])) : {};
      out.push({ name: `kernelsight.action.${/^[a-z_]{1,32}$/.test(status) ? status : 'other'}`, atS: Number(r.ts),
        severity: ['failed', 'rollback_failed'].includes(status) ? 'ERROR' : ['rolled_back', 'refused'].includes(status) ? 'WARN' : 'INFO',
        body: `${escapeUntrusted(String(r.action), 40)} ${status}${r.target_comm ? ` on ${escapeUntrusted(String(r.target_comm), 40)} (pid ${r.target_pid})` : ''}${r.refused_rule ? `: ${escapeUntrusted(String(r.refused_rule), 60)}` : ''}`,
        attributes: { 'kernelsight.action.id': Number(r.ref_action_id ?? r._id), 'kernelsight.action.name': escapeUntrusted(String(r.action), 40), 'kernelsight.action.status': status,
          'kernelsight.action.decided_by': String(r.decided_by),
          ...(r.target_pid !== null ? { 'kernelsight.target.pid': Number(r.target_pid), 'kernelsight.target.comm': escapeUntrusted(String(r.target_comm ?? ''), 40) } : {}),
          ...(r.refused_rule ? { 'kernelsight.action.refused_rule': String(r.refused_rule) } : {}),
          ...(typeof r.confidence === 'number' ? { 'kernelsight.action.confidence': r.confidence } : {}), ...verification } });
    }
    return out;
  }

  private resolved(db: Db): Event[] {
    if (this.resolvedCursor === null) { this.resolvedCursor = resolvedCursorNow(db); return []; }
    const rows = resolvedAfter(db, this.resolvedCursor);
    const last = rows.at(-1);
    if (last) this.resolvedCursor = { at: Number(last.resolved_at), id: last.signal_id };
    return rows.map((r) => ({ name: 'kernelsight.signal.resolved', atS: Number(r.resolved_at), severity: 'INFO' as const, body: escapeUntrusted(r.summary, 500),
      attributes: { 'kernelsight.signal.id': r.signal_id, 'kernelsight.signal.type': r.signal_type, 'kernelsight.signal.max_severity': r.max_severity,
        'kernelsight.signal.duration_s': Number(r.resolved_at) - r.first_seen } }));
  }
}

/**
 * The SDK's exporter, counting what it delivered and what it gave up on (after
 * its own retries) in ExportStats; everything else is the exporter's own.
 */
function counted<B, E extends { export(batch: B, done: (r: { code: number }) => void): void }>(inner: E, stats: ExportStats, kind: string, items: (batch: B) => number): E {
  return Object.assign(Object.create(inner) as E, {
    export: (batch: B, done: (r: { code: number }) => void) => inner.export(batch, (r) => {
      if (r.code === 0) stats.sentItems(EXPORTER, kind, items(batch));
      else { stats.failure(EXPORTER); stats.drop(EXPORTER, kind, items(batch)); }
      done(r);
    }),
  });
}

const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

/** Start OTLP export of the families and the events; `withDb` runs a function on the open database (or not, when it cannot be opened). */
export async function startOtlp(env: Env, families: readonly FamilyDef[], refresh: () => void, withDb: <T>(f: (db: Db) => T) => T | undefined,
  stats: ExportStats, log: (level: 'info' | 'warn', msg: string) => void): Promise<Otlp | undefined> {
  const on = otlpConfigured(env);
  if (!on.metrics && !on.logs) return undefined;
  const protocol = env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    log('warn', `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported here (http/protobuf or http/json): OTLP export is off`);
    return undefined;
  }
  stats.enable(EXPORTER);
  const { detectResources, envDetector, resourceFromAttributes } = await import('@opentelemetry/resources');
  const resource = resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'kernelsight', 'host.name': os.hostname() })
    .merge(detectResources({ detectors: [envDetector] }));
  const startMs = Date.now();
  const stops: Array<() => Promise<void>> = [];

  if (on.metrics) {
    const sdk = await import('@opentelemetry/sdk-metrics');
    const { ValueType } = await import('@opentelemetry/api');
    const { OTLPMetricExporter } = protocol === 'http/json' ? await import('@opentelemetry/exporter-metrics-otlp-http') : await import('@opentelemetry/exporter-metrics-otlp-proto');
    const exporter = counted(new OTLPMetricExporter(), stats, 'metrics', () => 1);
    const toMetric = (f: FamilyDef, samples: readonly Sample[], nowMs: number) => {
      const descriptor = { name: f.name, description: f.help, unit: f.name.endsWith('_seconds') || f.name.endsWith('_seconds_total') ? 's' : f.name.endsWith('_bytes') || f.name.endsWith('_bytes_total') ? 'By' : '', valueType: ValueType.DOUBLE };
      const base = { descriptor, aggregationTemporality: sdk.AggregationTemporality.CUMULATIVE };
      const point = <T>(labels: Record<string, string> | undefined, value: T) => ({ attributes: labels ?? {}, startTime: hr(startMs), endTime: hr(nowMs), value });
      if (f.type === 'gauge') return { ...base, dataPointType: sdk.DataPointType.GAUGE, dataPoints: samples.map((s) => point(s.labels, s.value)) };
      if (f.type === 'counter') return { ...base, dataPointType: sdk.DataPointType.SUM, isMonotonic: true, dataPoints: samples.map((s) => point(s.labels, s.value)) };
      // Histogram: Prometheus' cumulative buckets back into per-bucket counts with explicit bounds.
      const byKey = new Map<string, { labels: Record<string, string>; bounds: number[]; cum: number[]; sum: number; count: number }>();
      for (const s of samples) {
        const { le, ...labels } = s.labels ?? {};
        const key = JSON.stringify(labels);
        const h = byKey.get(key) ?? { labels, bounds: [], cum: [], sum: 0, count: 0 };
        byKey.set(key, h);
        if (s.suffix === '_bucket' && le !== '+Inf') { h.bounds.push(Number(le)); h.cum.push(s.value); }
        if (s.suffix === '_sum') h.sum = s.value;
        if (s.suffix === '_count') h.count = s.value;
      }
      return { ...base, dataPointType: sdk.DataPointType.HISTOGRAM, dataPoints: [...byKey.values()].map((h) => point(h.labels, {
        buckets: { boundaries: h.bounds, counts: [...h.cum.map((c, i) => c - (h.cum[i - 1] ?? 0)), h.count - (h.cum[h.cum.length - 1] ?? 0)] }, sum: h.sum, count: h.count,
      })) };
    };
    const producer = {
      async collect() {
        refresh();
        const nowMs = Date.now();
        const metrics = families.map((f) => toMetric(f, f.collect(), nowMs)).filter((m) => m.dataPoints.length > 0);
        return { resourceMetrics: { resource, scopeMetrics: [{ scope: { name: 'kernelsight' }, metrics }] }, errors: [] };
      },
    };
    const intervalMs = Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 60_000);
    const reader = new sdk.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: intervalMs > 0 ? intervalMs : 60_000,
      exportTimeoutMillis: Math.min(Number(env.OTEL_METRIC_EXPORT_TIMEOUT ?? 30_000), intervalMs > 0 ? intervalMs : 60_000), metricProducers: [producer as never] });
    const provider = new sdk.MeterProvider({ resource, readers: [reader] });
    stops.push(() => provider.shutdown());
    log('info', `OTLP metrics every ${intervalMs} ms (${protocol})`);
  }

  if (on.logs) {
    const logsSdk = await import('@opentelemetry/sdk-logs');
    const { OTLPLogExporter } = protocol === 'http/json' ? await import('@opentelemetry/exporter-logs-otlp-http') : await import('@opentelemetry/exporter-logs-otlp-proto');
    const exporter = counted(new OTLPLogExporter(), stats, 'logs', (batch: readonly unknown[]) => batch.length);
    const provider = new logsSdk.LoggerProvider({ resource, processors: [new logsSdk.BatchLogRecordProcessor({ exporter })] });
    const logger = provider.getLogger('kernelsight');
    const feed = new EventFeed();
    const SEV = { INFO: 9, WARN: 13, ERROR: 17 } as const;
    const timer = setInterval(() => {
      for (const e of withDb((db) => feed.next(db)) ?? []) {
        logger.emit({ eventName: e.name, timestamp: hr(e.atS * 1000), severityNumber: SEV[e.severity], severityText: e.severity, body: e.body, attributes: { 'event.name': e.name, ...e.attributes } });
      }
    }, 2000);
    stops.push(async () => { clearInterval(timer); await provider.shutdown(); });
    log('info', `OTLP logs for signals and actions (${protocol})`);
  }
  return { async shutdown() { await Promise.allSettled(stops.map((s) => s())); } };
}
