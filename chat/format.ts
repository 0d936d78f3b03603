// Number formats shared by the rules answers and the slash commands, so the same
// value reads the same everywhere (and tests can predict it from the database).
export const pct = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(digits)}%`);

/** A 0..1 fraction as a percentage. */
export const frac = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : pct(x * 100));

export const mib = (kb: number | null | undefined): string => (kb === null || kb === undefined || !Number.isFinite(kb) ? 'n/a' : `${Math.round(kb / 1024)} MiB`);

export function bytesRate(bps: number): string {
  if (!Number.isFinite(bps)) return 'n/a';
  if (bps >= 1 << 20) return `${(bps / (1 << 20)).toFixed(1)} MiB/s`;
  if (bps >= 1024) return `${(bps / 1024).toFixed(1)} KiB/s`;
  return `${Math.round(bps)} B/s`;
}

/** Up to 2 decimals, trailing zeros dropped: 2.75, 1.4, 3. */
export const num = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : String(Math.round(x * 100) / 100));

export const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 4, high: 3, medium: 2, low: 1, none: 0 };

export const cite = (signalId: number): string => `[signal #${signalId}]`;
