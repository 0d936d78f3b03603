// The readers that serve or push, started inside whichever process hosts them:
// Prometheus /metrics over the database, computed at scrape time (host metrics,
// the tracers' latency histograms, signals and the agent), alerts pushed to
// Alertmanager, OTLP when OTEL_* says so, and the dashboard (web/). Under
// `npm start` the agent's process hosts them (one Node runtime for every reader;
// the dashboard's approve/undo go through the executor there); with --no-agent
// the `exporter` component (exporter/main.ts) does. Read-only: the database is
// opened read-only and nothing is written but the log.
import http from 'node:http';
import { Gauge, Registry } from 'prom-client';
import { openDatabase, type Db } from '../lib/db.js';
import type { Logger } from '../lib/logger.js';
import type { ListenAddress } from '../lib/listen.js';
import { agentMetrics } from './agent-metrics.js';
import { AlertmanagerNotifier } from './alertmanager.js';
import { ExportStats } from './export-stats.js';
import { registerFamily } from './family.js';
import { hostMetrics } from './host-metrics.js';
import { latencyMetrics } from './latency-metrics.js';
import { startOtlp } from './otlp.js';
import type { MetricSource } from './source.js';

export interface ExporterOptions {
  readonly db: string;
  /** /metrics; undefined: no endpoint. */
  readonly listen?: ListenAddress;
  /** The dashboard; undefined: none. */
  readonly webListen?: ListenAddress;
  readonly webTokenFile: string;
  readonly alertmanager?: string;
  readonly alertIntervalS: number;
  readonly hostLabel: string;
}

/** An address that could not be taken: the flag to change, and the message naming the fix. */
export class ListenError extends Error {
  constructor(readonly flag: '--metrics-listen' | '--web-listen', message: string) { super(message); }
}

export interface Exporter { close(): Promise<void> }

const listenFix = (e: NodeJS.ErrnoException, flag: string, off: string) =>
  (e.code === 'EADDRINUSE' ? ` (something else listens there: choose another with ${flag} HOST:PORT, or ${off})` : '');

function listenOn(server: http.Server, a: ListenAddress): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(a.port, a.host, () => {
      server.off('error', reject);
      const at = server.address();
      resolve(typeof at === 'object' && at ? `${at.address}:${at.port}` : `${a.host}:${a.port}`);
    });
  });
}

/** Start every configured reader; rejects with a ListenError when an address is taken. */
export async function startExporter(o: ExporterOptions, log: Logger): Promise<Exporter> {
  const registry = new Registry();
  const exportStats = new ExportStats();
  const sources: MetricSource[] = [hostMetrics(), latencyMetrics(), agentMetrics(o.db), exportStats];
  // A family that cannot be read (a table of an older database, a lock held too
  // long) shows no series; its error is logged at most every ten minutes.
  const lastLogged = new Map<string, number>();
  const onError = (name: string, e: Error) => {
    const now = Date.now();
    if (now - (lastLogged.get(name) ?? 0) < 600_000) return;
    lastLogged.set(name, now);
    log.warn(`${name}: ${e.message}`);
  };
  for (const s of sources) for (const f of s.families) registerFamily(registry, f, onError);
  const scrapeSeconds = new Gauge({ name: 'kernelsight_exporter_scrape_duration_seconds', help: 'How long the previous scrape took to read the database and format the metrics', registers: [registry] });
  const dbUp = new Gauge({ name: 'kernelsight_exporter_database_up', help: 'Whether the exporter could open and read the database at this scrape', registers: [registry] });

  let db: Db | undefined;
  const database = (): Db | undefined => {
    if (!db) {
      try { db = openDatabase(o.db, { readonly: true, busyTimeoutMs: 1000 }); } catch (e) { onError('database', e as Error); return undefined; }
    }
    return db;
  };

  /** Read new rows into every source, in one read transaction: every family sees the same snapshot. */
  const refreshAll = (): void => {
    const d = database();
    dbUp.set(d ? 1 : 0);
    if (!d) return;
    try { d.transaction(() => { for (const s of sources) s.refresh(d); })(); } catch (e) { dbUp.set(0); onError('refresh', e as Error); }
  };

  // Counting starts now (the row cursors are set), not at the first scrape.
  refreshAll();

  let previousMs = 0;
  const scrape = async (): Promise<string> => {
    const t0 = performance.now();
    refreshAll();
    scrapeSeconds.set(previousMs / 1000);
    const text = await registry.metrics();
    previousMs = performance.now() - t0;
    return text;
  };

  const closers: (() => void | Promise<void>)[] = [() => { db?.close(); }];
  const close = async () => { for (const c of closers.reverse()) await c(); };
  try {
    if (o.listen) {
      const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return; }
        if (url.pathname === '/metrics') {
          scrape().then(
            (text) => { res.writeHead(200, { 'content-type': registry.contentType }); res.end(req.method === 'HEAD' ? undefined : text); },
            (e: Error) => { log.error(`scrape failed: ${e.message}`); res.writeHead(500, { 'content-type': 'text/plain' }).end(`scrape failed: ${e.message}\n`); },
          );
          return;
        }
        if (url.pathname === '/') { res.writeHead(200, { 'content-type': 'text/plain' }).end('KernelSight exporter: metrics at /metrics\n'); return; }
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      });
      const at = await listenOn(server, o.listen).catch((e: NodeJS.ErrnoException) => {
        throw new ListenError('--metrics-listen', `cannot listen on ${o.listen!.host}:${o.listen!.port}: ${e.message}${listenFix(e, '--metrics-listen', '--no-metrics')}`);
      });
      closers.push(() => { server.close(); });
      log.info(`serving /metrics on ${at} from ${o.db}`);
    }

    if (o.webListen) {
      const webListen = o.webListen;
      const web = await (await import('../web/serve.js')).startWeb({ listen: webListen, dbFile: o.db, db: database, log, tokenFile: o.webTokenFile })
        .catch((e: NodeJS.ErrnoException) => {
          throw new ListenError('--web-listen', `cannot serve the dashboard on ${webListen.host}:${webListen.port}: ${e.message}${listenFix(e, '--web-listen', '--no-web')}`);
        });
      closers.push(() => web.close());
      const a = web.server.address();
      log.info(`serving the dashboard on ${typeof a === 'object' && a ? `${a.address}:${a.port}` : `${webListen.host}:${webListen.port}`}`);
    }
  } catch (e) {
    await close();
    throw e;
  }

  // Pushes run on a timer of their own; a slow or down receiver never delays a scrape.
  if (o.alertmanager) {
    const notifier = new AlertmanagerNotifier({ url: o.alertmanager, host: o.hostLabel, intervalMs: o.alertIntervalS * 1000 }, exportStats, (m) => log.warn(m));
    let pushing = false;
    const timer = setInterval(() => {
      const d = database();
      if (!d || pushing) return;
      pushing = true;
      notifier.tick(d).catch((e: Error) => log.error(`alertmanager: ${e.message}`)).finally(() => { pushing = false; });
    }, o.alertIntervalS * 1000);
    closers.push(() => clearInterval(timer));
    log.info(`pushing alerts to ${o.alertmanager} every ${o.alertIntervalS} s as host ${o.hostLabel}`);
  }

  const otlp = await startOtlp(process.env, sources.flatMap((s) => s.families), refreshAll,
    (f) => { const d = database(); return d ? f(d) : undefined; }, exportStats, (level, m) => log[level](m))
    .catch((e: Error) => { log.error(`OTLP export could not start: ${e.message}`); return undefined; });
  if (otlp) closers.push(() => otlp.shutdown());
  return { close };
}
