// Numbers as a person reads them in a summary sentence.
import { escapeUntrusted } from '../../lib/sanitize.js';

export function ms(v: number): string {
  if (v >= 10_000) return `${(v / 1000).toFixed(0)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 10) return `${v.toFixed(0)} ms`;
  return `${v.toFixed(1)} ms`;
}

export const pct = (v: number, digits = 0): string => `${v.toFixed(digits)}%`;
export const frac = (v: number, digits = 0): string => pct(v * 100, digits);

export function kb(v: number): string {
  if (v >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} GiB`;
  if (v >= 1024) return `${(v / 1024).toFixed(0)} MiB`;
  return `${v.toFixed(0)} KiB`;
}

export function bytesPerS(v: number): string {
  if (v >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} MiB/s`;
  if (v >= 1024) return `${(v / 1024).toFixed(0)} KiB/s`;
  return `${v.toFixed(0)} B/s`;
}

export function num(v: number, digits = 1): string {
  if (Math.abs(v) >= 1_000_000) return `${(v / 1_000_000).toFixed(digits)}M`;
  if (Math.abs(v) >= 10_000) return `${(v / 1000).toFixed(0)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

/** `comm (pid 812)`: comm is untrusted text, so control characters are escaped and it is capped. */
export function who(comm: string, pid: number): string {
  return `${escapeUntrusted(comm, 32)} (pid ${pid})`;
}
