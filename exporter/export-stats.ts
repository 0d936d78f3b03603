// What the pushing exports (Alertmanager, OTLP) did: sent, failed, dropped. A
// down receiver never slows or stops the pipeline (the database is written by
// ingest whatever happens here); what could not be delivered is counted here
// and exported on /metrics.
import type { FamilyDef } from './family.js';

import type { MetricSource } from './source.js';
import { Sums } from './sums.js';

export class ExportStats implements MetricSource {
  private readonly sent = new Sums();
  private readonly failed = new Sums();
  private readonly dropped = new Sums();

  sentItems(exporter: string, kind: string, n: number): void { this.sent.touch({ exporter, kind }); this.sent.add({ exporter, kind }, n); }
  failure(exporter: string): void { this.failed.touch({ exporter }); this.failed.add({ exporter }, 1); }
  drop(exporter: string, kind: string, n: number): void { this.dropped.touch({ exporter, kind }); this.dropped.add({ exporter, kind }, n); }
  /** Show the families at 0 for an exporter that is configured. */
  enable(exporter: string): void { this.failed.touch({ exporter }); }

  refresh(): void { /* counted as it happens */ }

  readonly families: readonly FamilyDef[] = [
    { name: 'kernelsight_export_sent_total', type: 'counter', help: 'Items delivered to a push receiver (alerts, OTLP metric and log batches)', collect: () => this.sent.samples() },
    { name: 'kernelsight_export_failures_total', type: 'counter', help: 'Failed pushes to a receiver (each is retried with backoff)', collect: () => this.failed.samples() },
    { name: 'kernelsight_export_dropped_total', type: 'counter', help: 'Items given up on (a receiver down longer than its bounded queue holds)', collect: () => this.dropped.samples() },
  ];
}
