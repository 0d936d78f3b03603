// The /proc and /sys scraper: one NDJSON event per line on stdout, every
// --interval seconds. Logs go to logs/production/scraper.log (and stderr when
// run by hand). Exit 0 on SIGTERM/SIGINT or when stdout's reader goes away.
import path from 'node:path';
import { envNumber, cli } from '../lib/config.js';
import { closeLogger, createLogger, type Logger } from '../lib/logger.js';
import { RoundRunner } from './round.js';
import { monoSeconds, sampleTime, type SourceContext } from './source.js';
import { createSources } from './sources.js';
import { StdoutSink } from './stdout-sink.js';
import { Ticker } from './ticker.js';

interface Options {
  interval: number;
  once: boolean;
  top: number;
  includeLoop: boolean;
  procRoot: string;
  sysRoot: string;
  logDir: string;
  logLevel: string;
}

function parseArgs(): Options {
  const argv = cli('scraper', '$0 [options]\n\nPrint /proc and /sys metrics as NDJSON events on stdout.')
    .option('interval', {
      type: 'number', default: envNumber('KS_SCRAPE_INTERVAL', 5),
      describe: 'seconds between rounds (env KS_SCRAPE_INTERVAL)',
    })
    .option('once', { type: 'boolean', default: false, describe: 'print one round (two samples --interval apart, for rates) and exit' })
    .option('top', { type: 'number', default: 5, describe: 'processes per ranking (by CPU, by RSS)' })
    .option('include-loop', { type: 'boolean', default: false, describe: 'include loop/ram block devices and the lo interface' })
    .option('proc-root', { type: 'string', default: '/proc', describe: 'where procfs is mounted (tests point it at fixtures)' })
    .option('sys-root', { type: 'string', default: '/sys', describe: 'where sysfs is mounted' })
    .check((a) => {
      if (!(a.interval >= 0.01 && a.interval <= 3600)) throw new Error(`--interval must be 0.01..3600 seconds, got ${a.interval}`);
      if (!(Number.isInteger(a.top) && a.top >= 0 && a.top <= 100)) throw new Error(`--top must be an integer 0..100, got ${a.top}`);
      return true;
    })
    .parseSync();
  return {
    interval: argv.interval, once: argv.once, top: argv.top, includeLoop: argv['include-loop'],
    procRoot: path.resolve(argv['proc-root']), sysRoot: path.resolve(argv['sys-root']),
    logDir: argv.logDir, logLevel: argv.logLevel,
  };
}

function sourceContext(opts: Options, log: Logger): SourceContext {
  const warned = new Set<string>();
  return {
    procRoot: opts.procRoot,
    sysRoot: opts.sysRoot,
    warnOnce(key, message) {
      if (warned.has(key)) return;
      warned.add(key);
      log.warn(message);
    },
  };
}

async function main(): Promise<void> {
  const opts = parseArgs();
  const log = createLogger('scraper', { logDir: opts.logDir, level: opts.logLevel });
  const runner = new RoundRunner(createSources(sourceContext(opts, log), opts), log);
  let ticker: Ticker | undefined;
  let stopping = false;

  const stop = async (code: number, why: string): Promise<never> => {
    if (!stopping) {
      stopping = true;
      ticker?.stop();
      log.info(`stopping (${why}): ${sink.written} rounds written, ${sink.dropped} dropped, ${ticker?.skipped ?? 0} ticks skipped`);
      await sink.flush();
      await closeLogger(log);
    }
    process.exit(code);
  };
  const sink = new StdoutSink(process.stdout, log, () => void stop(0, 'stdout closed'));
  process.on('SIGTERM', () => void stop(0, 'SIGTERM'));
  process.on('SIGINT', () => void stop(0, 'SIGINT'));
  // A reader that closes stderr must not turn a log line into a crash.
  process.stderr.on('error', () => {});

  log.info(`starting: interval ${opts.interval}s, top ${opts.top}, proc ${opts.procRoot}, sys ${opts.sysRoot}`);
  // The first round is the baseline for every counter; it only yields gauges.
  const t0 = sampleTime();
  const first = runner.run(t0);
  if (opts.once) {
    const wait = (t0.mono + opts.interval - monoSeconds()) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    sink.write(runner.run(sampleTime()));
    await stop(0, '--once done');
  }
  sink.write(first);
  ticker = new Ticker(opts.interval, () => sink.write(runner.run(sampleTime())));
  ticker.start(t0.mono);
}

main().catch((err: unknown) => {
  process.stderr.write(`scraper: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
