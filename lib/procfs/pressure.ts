// /proc/pressure/{cpu,memory,io}: PSI "some" (and, where printed, "full") lines.
import path from 'node:path';
import { readOptional, toNumber } from './text.js';

export const PSI_RESOURCES = ['cpu', 'memory', 'io'] as const;
export type PsiResource = (typeof PSI_RESOURCES)[number];

/** Averages in percent; total is stalled time in microseconds since boot. */
export interface PsiLine { avg10: number; avg60: number; avg300: number; total: number }
export interface Psi { some: PsiLine; full?: PsiLine }

/** Parse one pressure file; `full` is absent for cpu on kernels before 5.13. */
export function parsePressure(text: string): Psi {
  const lines: Partial<Record<'some' | 'full', PsiLine>> = {};
  for (const line of text.split('\n')) {
    const [kind, ...pairs] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    const kv = new Map(pairs.map((p) => p.split('=') as [string, string]));
    const v = (k: string): number => toNumber(kv.get(k), `pressure ${kind} ${k}`);
    lines[kind] = { avg10: v('avg10'), avg60: v('avg60'), avg300: v('avg300'), total: v('total') };
  }
  if (!lines.some) throw new Error(`pressure: no "some" line in ${JSON.stringify(text.slice(0, 80))}`);
  return { some: lines.some, full: lines.full };
}

/** undefined where PSI is missing (no CONFIG_PSI, psi=0) or the file is unreadable. */
export function readPressure(resource: PsiResource, root = '/proc'): Psi | undefined {
  const text = readOptional(path.join(root, 'pressure', resource));
  try { return text === undefined ? undefined : parsePressure(text); } catch { return undefined; }
}
