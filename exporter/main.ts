// The `exporter` component: the readers that serve or push (exporter/service.ts)
// in a process of their own. `npm start` runs it only with --no-agent; otherwise
// the agent's process hosts the same readers, so they cost no Node runtime of
// their own.
//   node dist/exporter/main.js --db data/kernelsight.db --listen 127.0.0.1:9464 [--alertmanager http://127.0.0.1:9093] [--web-listen 127.0.0.1:8321]
import { cli } from '../lib/config.js';
import { closeLogger, createLogger } from '../lib/logger.js';
import { readerOptions, withReaderFlags } from './cli.js';
import { ListenError, startExporter, type Exporter } from './service.js';

const EXIT_CANNOT_LISTEN = 78;

const argv = withReaderFlags(cli('exporter', 'Usage: $0 [--db FILE] [--listen HOST:PORT] [--web-listen HOST:PORT] [--alertmanager URL]\n\nServe Prometheus metrics and the dashboard from the KernelSight database; push alerts to Alertmanager.'),
  { metrics: process.env.KS_METRICS_LISTEN ?? '127.0.0.1:9464', web: process.env.KS_WEB_LISTEN ?? 'none' }).parseSync();
const log = createLogger('exporter', { logDir: argv.logDir, level: argv.logLevel });

let exporter: Exporter | undefined;
try {
  const o = readerOptions(argv);
  exporter = o && await startExporter(o, log);
  if (!exporter) log.warn('nothing to serve or push (--listen none, no dashboard, no Alertmanager, no OTLP endpoint)');
} catch (e) {
  const msg = (e as Error).message;
  process.stderr.write(`exporter: ${msg}\n`);
  log.error(msg);
  await closeLogger(log);
  process.exit(e instanceof ListenError ? EXIT_CANNOT_LISTEN : 1);
}

const stop = () => {
  void (exporter?.close() ?? Promise.resolve()).finally(() => closeLogger(log).then(() => process.exit(0)));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
