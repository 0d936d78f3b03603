// One winston logger per component, writing logs/production/<component>.log.
// Files are bounded (size-capped with a few rotated generations) so a long-running
// box never fills its disk with our logs. Messages are escaped: a process name
// with a newline or an ANSI sequence cannot forge log lines.
import winston from 'winston';
import path from 'node:path';
import { DEFAULT_LOG_DIR } from './paths.js';
import { escapeUntrusted } from './sanitize.js';
import { LOG_FILE_MODE, makeDir, touchWithMode } from './private-files.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  readonly logDir?: string;
  /** Also print to stderr (default: when not under the supervisor). */
  readonly console?: boolean;
  readonly level?: string;
  readonly maxBytes?: number;
  readonly maxFiles?: number;
}

const line = winston.format.printf((info) => {
  const { timestamp, level, message, component, ...rest } = info as Record<string, unknown>;
  const extra = Object.keys(rest).length ? ` ${escapeUntrusted(JSON.stringify(rest), 2000)}` : '';
  return `${String(timestamp)} ${String(level).toUpperCase().padEnd(5)} [${String(component)}] ${escapeUntrusted(String(message), 2000)}${extra}`;
});

export function createLogger(component: string, opts: LoggerOptions = {}): Logger {
  const dir = opts.logDir ?? process.env.KS_LOG_DIR ?? DEFAULT_LOG_DIR;
  makeDir(dir);
  const file = path.join(dir, `${component}.log`);
  touchWithMode(file, LOG_FILE_MODE); // 0640: see lib/private-files.ts
  const toConsole = opts.console ?? process.env.KS_SUPERVISED !== '1';
  const transports: winston.transport[] = [
    new winston.transports.File({
      filename: file,
      // Rotation opens new files with these options: they are 0640 as well.
      options: { flags: 'a', mode: LOG_FILE_MODE },
      maxsize: opts.maxBytes ?? 10 * 1024 * 1024,
      maxFiles: opts.maxFiles ?? 3,
      tailable: true, // the newest lines are always in <component>.log, so tail -f keeps working
    }),
  ];
  if (toConsole) transports.push(new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] }));
  return winston.createLogger({
    level: opts.level ?? process.env.KS_LOG_LEVEL ?? 'info',
    defaultMeta: { component },
    format: winston.format.combine(winston.format.timestamp(), line),
    transports,
  });
}

/** Wait until every transport has written what it was given (before process exit). */
export function closeLogger(log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1000);
    timer.unref();
    log.on('finish', () => { clearTimeout(timer); resolve(); });
    log.end();
  });
}

/**
 * Allow at most `perWindow` messages per key per window; returns how many were
 * suppressed since the last allowed one so the next line can say so.
 */
export class RateLimiter {
  private readonly seen = new Map<string, { start: number; count: number; suppressed: number }>();
  constructor(private readonly perWindow = 5, private readonly windowMs = 60_000) {}

  allow(key: string, now = Date.now()): { ok: boolean; suppressed: number } {
    let s = this.seen.get(key);
    if (!s || now - s.start >= this.windowMs) {
      const suppressed = s?.suppressed ?? 0;
      s = { start: now, count: 0, suppressed: 0 };
      this.seen.set(key, s);
      s.count++;
      return { ok: true, suppressed };
    }
    if (s.count < this.perWindow) { s.count++; return { ok: true, suppressed: 0 }; }
    s.suppressed++;
    return { ok: false, suppressed: s.suppressed };
  }
}
