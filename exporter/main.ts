// `npm start` runs this as the `exporter` component, the one process that feeds
// the engines a fleet already runs: Prometheus /metrics over the database,
// computed at scrape time (host metrics, the tracers' latency histograms, signals
// and the agent), and, when configured, alerts pushed to Alertmanager. Read-only:
// it opens the database read-only and writes nothing but its log. With
// --web-listen it also serves the dashboard (web/), so the readers share one Node
// runtime; the dashboard's approve/undo go through the agent's executor.
//   node dist/exporter/main.js --db data/kernelsight.db --listen 127.0.0.1:9464 [--alertmanager http://127.0.0.1:9093] [--web-listen 127.0.0.1:8321]
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { cli } from '../lib/config.js';
import { openDatabase, type Db } from '../lib/db.js';
import { closeLogger, createLogger } from '../lib/logger.js';
import { agentMetrics } from './agent-metrics.js';
import { AlertmanagerNotifier } from './alertmanager.js';
import { ExportStats } from './export-stats.js';
import { registerFamily } from './family.js';
import { hostMetrics } from './host-metrics.js';
import { latencyMetrics } from './latency-metrics.js';
import { parseListen } from '../lib/listen.js';
import { startOtlp } from './otlp.js';
import type { MetricSource } from './source.js';

const EXIT_CANNOT_LISTEN = 78;

const argv = cli('exporter', 'Usage: $0 [--db FILE] [--listen HOST:PORT] [--alertmanager URL]\n\nServe Prometheus metrics from the KernelSight database; push alerts to Alertmanager.')
  .option('listen', { type: 'string', default: process.env.KS_METRICS_LISTEN ?? '127.0.0.1:9464', describe: 'address for /metrics (env KS_METRICS_LISTEN; "none": no endpoint)' })
  .option('alertmanager', { type: 'string', default: process.env.KS_ALERTMANAGER_URL, describe: 'Alertmanager base URL to push alerts to (env KS_ALERTMANAGER_URL)' })
  .option('alert-interval', { type: 'number', default: 15, describe: 'seconds between pushes to Alertmanager' })
  .option('host-label', { type: 'string', default: os.hostname(), describe: 'the host label on alerts' })
  .option('web-listen', { type: 'string', default: process.env.KS_WEB_LISTEN ?? 'none', describe: 'address for the dashboard (env KS_WEB_LISTEN; "none": no dashboard)' })
  .option('web-token-file', { type: 'string', describe: 'the dashboard token (default: web.token next to the database, made 0600 at first start)' })
  .check((a) => {
    if (a.alertmanager !== undefined) { try { new URL(a.alertmanager); } catch { throw new Error(`--alertmanager: not a URL: ${JSON.stringify(a.alertmanager)}`); } }
    if (!(a['alert-interval'] > 0)) throw new Error('--alert-interval must be > 0');
    return true;
  })
  .parseSync();
const log = createLogger('exporter', { logDir: argv.logDir, level: argv.logLevel });
const address = (flag: string, text: string) => (text === 'none' ? undefined : (() => {
  try { return parseListen(text); } catch (e) { process.stderr.write(`exporter: --${flag}: ${(e as Error).message}\n`); process.exit(2); }
})());
const listen = address('listen', argv.listen);
const webListen = address('web-listen', argv.webListen);

const registry = new Registry();
const exportStats = new ExportStats();
const sources: MetricSource[] = [hostMetrics(), latencyMetrics(), agentMetrics(argv.db), exportStats];
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
function database(): Db | undefined {
  if (!db) {
    try { db = openDatabase(argv.db, { readonly: true, busyTimeoutMs: 1000 }); } catch (e) { onError('database', e as Error); return undefined; }
  }
  return db;
}

/** Read new rows into every source, in one read transaction: every family sees the same snapshot. */
function refreshAll(): void {
  const d = database();
  dbUp.set(d ? 1 : 0);
  if (!d) return;
  try { d.transaction(() => { for (const s of sources) s.refresh(d); })(); } catch (e) { dbUp.set(0); onError('refresh', e as Error); }
}

// Counting starts now (the row cursors are set), not at the first scrape.
refreshAll();

let previousMs = 0;
async function scrape(): Promise<string> {
  const t0 = performance.now();
  refreshAll();
  scrapeSeconds.set(previousMs / 1000);
  const text = await registry.metrics();
  previousMs = performance.now() - t0;
  return text;
}

const server = listen && http.createServer((req, res) => {
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

server?.on('error', (e: NodeJS.ErrnoException) => {
  const fix = e.code === 'EADDRINUSE' ? ` (something else listens there: choose another with --metrics-listen HOST:PORT, or --no-metrics)` : '';
  process.stderr.write(`exporter: cannot listen on ${argv.listen}: ${e.message}${fix}\n`);
  log.error(`cannot listen on ${argv.listen}: ${e.message}`);
  void closeLogger(log).then(() => process.exit(EXIT_CANNOT_LISTEN));
});
if (server && listen) server.listen(listen.port, listen.host, () => {
  const a = server.address();
  log.info(`serving /metrics on ${typeof a === 'object' && a ? `${a.address}:${a.port}` : argv.listen} from ${argv.db}`);
});

const web = webListen && await (await import('../web/serve.js')).startWeb({
  listen: webListen, dbFile: argv.db, db: database, log,
  tokenFile: argv.webTokenFile ?? path.join(path.dirname(argv.db), 'web.token'),
}).then((w) => {
  const a = w.server.address();
  log.info(`serving the dashboard on ${typeof a === 'object' && a ? `${a.address}:${a.port}` : argv.webListen}`);
  return w;
}, (e: NodeJS.ErrnoException) => {
  const fix = e.code === 'EADDRINUSE' ? ' (something else listens there: choose another with --web-listen HOST:PORT, or --no-web)' : '';
  process.stderr.write(`exporter: cannot serve the dashboard on ${argv.webListen}: ${e.message}${fix}\n`);
  log.error(`cannot serve the dashboard on ${argv.webListen}: ${e.message}`);
  return closeLogger(log).then(() => process.exit(EXIT_CANNOT_LISTEN));
});

// Pushes run on a timer of their own; a slow or down receiver never delays a scrape.
const notifier = argv.alertmanager ? new AlertmanagerNotifier(
  { url: argv.alertmanager, host: argv.hostLabel, intervalMs: argv.alertInterval * 1000 }, exportStats, (m) => log.warn(m)) : undefined;
let pushing = false;
const pushTimer = notifier && setInterval(() => {
  const d = database();
  if (!d || pushing) return;
  pushing = true;
  notifier.tick(d).catch((e: Error) => log.error(`alertmanager: ${e.message}`)).finally(() => { pushing = false; });
}, argv.alertInterval * 1000);
if (notifier) log.info(`pushing alerts to ${argv.alertmanager} every ${argv.alertInterval} s as host ${argv.hostLabel}`);

const otlp = await startOtlp(process.env, sources.flatMap((s) => s.families), refreshAll,
  (f) => { const d = database(); return d ? f(d) : undefined; }, exportStats, (level, m) => log[level](m))
  .catch((e: Error) => { log.error(`OTLP export could not start: ${e.message}`); return undefined; });

const stop = () => {
  if (pushTimer) clearInterval(pushTimer);
  void otlp?.shutdown();
  server?.close();
  web?.close();
  db?.close();
  void closeLogger(log).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
