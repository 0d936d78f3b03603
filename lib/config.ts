// Command-line flags (yargs) with environment fallbacks, shared by every process.
// Precedence: flag > environment variable > default.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import path from 'node:path';
import { DEFAULT_DB, DEFAULT_LOG_DIR } from './paths.js';
import { windowFromFlags } from './time-window.js';

export interface CommonConfig {
  db: string;
  logDir: string;
  logLevel: string;
}

/** Start a yargs parser for a component with the options every process shares. */
export function cli(scriptName: string, usage: string, argv = hideBin(process.argv)): Argv<CommonConfig> {
  return yargs(argv)
    .scriptName(scriptName)
    .usage(usage)
    .option('db', {
      type: 'string',
      default: process.env.KS_DB ?? DEFAULT_DB,
      describe: 'SQLite database file (env KS_DB)',
      coerce: (p: string) => path.resolve(p),
    })
    .option('log-dir', {
      type: 'string',
      default: process.env.KS_LOG_DIR ?? DEFAULT_LOG_DIR,
      describe: 'directory for <component>.log files (env KS_LOG_DIR)',
      coerce: (p: string) => path.resolve(p),
    })
    .option('log-level', {
      type: 'string',
      default: process.env.KS_LOG_LEVEL ?? 'info',
      choices: ['error', 'warn', 'info', 'debug'],
      describe: 'log level (env KS_LOG_LEVEL)',
    })
    .strict()
    .help()
    .alias('h', 'help')
    .wrap(100) as unknown as Argv<CommonConfig>;
}

/** Parse a positive number from the environment, or return the default. */
export function envNumber(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${JSON.stringify(raw)} is not a positive number`);
  return n;
}

/** --since / --until, as every reader of the past takes them (lib/time-window.ts reads them). */
export function withWindow<T>(y: Argv<T>): Argv<T & { since: string | undefined; until: string | undefined }> {
  return y
    .option('since', { type: 'string', describe: 'start of the time window: 1h, 30m, "2 hours ago", 14:00, "yesterday 14:00", 2026-12-01T14:00 (local time)' })
    .option('until', { type: 'string', describe: 'end of the time window (default now), same forms as --since' })
    .check((a) => {
      windowFromFlags(a.since as string | undefined, a.until as string | undefined, Date.now() / 1000);
      return true;
    }) as unknown as Argv<T & { since: string | undefined; until: string | undefined }>;
}
