// The readers' flags, one definition for the two processes that host them: the
// agent (under `npm start`) and the standalone exporter (`--no-agent`).
import os from 'node:os';
import path from 'node:path';
import type { Argv } from 'yargs';
import { parseListen, type ListenAddress } from '../lib/listen.js';
import { otlpConfigured } from './otlp.js';
import type { ExporterOptions } from './service.js';

export interface ReaderFlags {
  metricsListen: string;
  webListen: string;
  webTokenFile: string | undefined;
  alertmanager: string | undefined;
  alertInterval: number;
  hostLabel: string;
}

/** The flags; `defaults` says whether /metrics and the dashboard are on unless told (the exporter) or off (the agent). */
export function withReaderFlags<T>(y: Argv<T>, defaults: { metrics: string; web: string }): Argv<T & ReaderFlags> {
  return y
    .option('metrics-listen', { alias: 'listen', type: 'string', default: defaults.metrics, describe: 'address for Prometheus /metrics ("none": no endpoint)' })
    .option('web-listen', { type: 'string', default: defaults.web, describe: 'address for the dashboard ("none": no dashboard)' })
    .option('web-token-file', { type: 'string', describe: 'the dashboard token (default: web.token next to the database, made 0600 at first start)' })
    .option('alertmanager', { type: 'string', default: process.env.KS_ALERTMANAGER_URL, describe: 'Alertmanager base URL to push alerts to (env KS_ALERTMANAGER_URL)' })
    .option('alert-interval', { type: 'number', default: 15, describe: 'seconds between pushes to Alertmanager' })
    .option('host-label', { type: 'string', default: os.hostname(), describe: 'the host label on alerts' })
    .check((a) => {
      for (const flag of ['metrics-listen', 'web-listen'] as const) {
        const v = a[flag] as string;
        if (v !== 'none') parseListen(v); // throws "expected host:port ..."
      }
      if (a.alertmanager !== undefined) { try { new URL(a.alertmanager as string); } catch { throw new Error(`--alertmanager: not a URL: ${JSON.stringify(a.alertmanager)}`); } }
      if (!((a['alert-interval'] as number) > 0)) throw new Error('--alert-interval must be > 0');
      return true;
    }) as unknown as Argv<T & ReaderFlags>;
}

const address = (text: string): ListenAddress | undefined => (text === 'none' ? undefined : parseListen(text));

/** The readers these flags ask for; undefined when none is. */
export function readerOptions(a: ReaderFlags & { db: string }): ExporterOptions | undefined {
  const o: ExporterOptions = {
    db: a.db, listen: address(a.metricsListen), webListen: address(a.webListen),
    webTokenFile: a.webTokenFile ?? path.join(path.dirname(a.db), 'web.token'),
    alertmanager: a.alertmanager, alertIntervalS: a.alertInterval, hostLabel: a.hostLabel,
  };
  const otlp = otlpConfigured(process.env);
  return o.listen || o.webListen || o.alertmanager || otlp.metrics || otlp.logs ? o : undefined;
}
