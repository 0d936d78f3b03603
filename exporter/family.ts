// A metric family whose samples are computed at scrape time. prom-client's own
// Counter/Gauge keep values set in advance; here every value is read from the
// database when Prometheus asks, so a family is prom-client's metric interface
// (name, help, type, get()) over a function, and the registry does the text
// format (escaping, label order, content type).
import type { Metric, Registry } from 'prom-client';

export type Labels = Record<string, string>;
export interface Sample { readonly labels?: Labels; readonly value: number; readonly suffix?: '_bucket' | '_sum' | '_count' }
export type FamilyType = 'gauge' | 'counter' | 'histogram';

export interface FamilyDef {
  readonly name: string;
  readonly help: string;
  readonly type: FamilyType;
  /** Samples now; an empty list shows the family with no series. */
  readonly collect: () => readonly Sample[];
}

/** Register a family; a collect() that throws logs once per scrape through onError and yields nothing. */
export function registerFamily(reg: Registry, def: FamilyDef, onError: (name: string, e: Error) => void): void {
  const metric = {
    name: def.name,
    help: def.help,
    type: def.type,
    aggregator: 'sum',
    async get() {
      let samples: readonly Sample[] = [];
      try { samples = def.collect(); } catch (e) { onError(def.name, e as Error); }
      return {
        name: def.name, help: def.help, type: def.type, aggregator: 'sum',
        values: samples.map((s) => ({ value: s.value, labels: s.labels ?? {}, metricName: s.suffix ? `${def.name}${s.suffix}` : def.name })),
      };
    },
  };
  reg.registerMetric(metric as unknown as Metric);
}
