// Numbers as a person reads them, the same in signal summaries, chat answers and
// status lines (and so predictable by tests from the database). Missing or
// non-finite values read "n/a".
import { escapeUntrusted } from './sanitize.js';

const bad = (x: number | null | undefined): x is null | undefined => x === null || x === undefined || !Number.isFinite(x);

export const pct = (x: number | null | undefined, digits = 1): string => (bad(x) ? 'n/a' : `${x.toFixed(digits)}%`);

/** A 0..1 fraction as a percentage. */
export const frac = (x: number | null | undefined, digits = 1): string => (bad(x) ? 'n/a' : pct(x * 100, digits));

/** Up to 2 decimals, trailing zeros dropped: 2.75, 1.4, 3. */
export const num = (x: number | null | undefined): string => (bad(x) ? 'n/a' : String(Math.round(x * 100) / 100));

/** Counts in a sentence: 812, 12k, 3.4M. */
export function compact(v: number, digits = 1): string {
  if (Math.abs(v) >= 1_000_000) return `${(v / 1_000_000).toFixed(digits)}M`;
  if (Math.abs(v) >= 10_000) return `${(v / 1000).toFixed(0)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

export function ms(v: number): string {
  if (v >= 10_000) return `${(v / 1000).toFixed(0)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 10) return `${v.toFixed(0)} ms`;
  return `${v.toFixed(1)} ms`;
}

/** KiB in the unit that reads best: 512 KiB, 300 MiB, 7.1 GiB. */
export function kib(v: number): string {
  if (v >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} GiB`;
  if (v >= 1024) return `${(v / 1024).toFixed(0)} MiB`;
  return `${v.toFixed(0)} KiB`;
}

/** KiB as whole MiB. */
export const mib = (kb: number | null | undefined): string => (bad(kb) ? 'n/a' : `${Math.round(kb / 1024)} MiB`);

export function bytesRate(bps: number): string {
  if (!Number.isFinite(bps)) return 'n/a';
  if (bps >= 1 << 20) return `${(bps / (1 << 20)).toFixed(1)} MiB/s`;
  if (bps >= 1024) return `${(bps / 1024).toFixed(1)} KiB/s`;
  return `${Math.round(bps)} B/s`;
}

/** `comm (pid 812)`: comm is untrusted text, so control characters are escaped and it is capped. */
export function who(comm: string, pid: number): string {
  return `${escapeUntrusted(comm, 32)} (pid ${pid})`;
}

export const cite = (signalId: number): string => `[signal #${signalId}]`;
