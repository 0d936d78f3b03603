// What every /proc parser shares: numbers that fail loudly with the bad text, and
// an optional read for the readers whose callers treat a missing file as "none".
import fs from 'node:fs';

/** Parse a decimal field, throwing with the bad text so a log line shows it. */
export function toNumber(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(n)) {
    throw new Error(`${what}: expected a number, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The whole file (/proc files report size 0), or undefined when it cannot be read. */
export function readOptional(file: string): string | undefined {
  try { return fs.readFileSync(file, 'utf8'); } catch { return undefined; }
}
