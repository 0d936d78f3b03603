// What every /proc or /sys source looks like to the scraper loop: a name and a
// sample() that reads its files and returns finished events. Parsing the file text
// lives in lib/procfs (pure functions) so tests can feed them fixture text.
import fs from 'node:fs';
import path from 'node:path';
import type { KsEvent } from '../lib/events.js';

/** One round's clocks: wall time for `ts`, monotonic seconds for intervals. */
export interface SampleTime {
  readonly ts: number;
  readonly mono: number;
}

export interface Source {
  readonly name: string;
  /** Throws an errno error (ENOENT, EACCES) when the source cannot be read at all. */
  sample(now: SampleTime): KsEvent[];
}

/** What sources share: where the trees are and how to mention a partial gap once. */
export interface SourceContext {
  readonly procRoot: string;
  readonly sysRoot: string;
  /** Log `message` the first time `key` is seen; later calls are silent. */
  warnOnce(key: string, message: string): void;
}

export function sampleTime(): SampleTime {
  return { ts: Date.now() / 1000, mono: monoSeconds() };
}

export function monoSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** /proc files report size 0, so read them whole; they are small and local. */
export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

export function join(root: string, ...parts: string[]): string {
  return path.join(root, ...parts);
}

/** The errno codes that mean "this source is not here / not for us", not "it broke". */
const UNAVAILABLE = new Set(['ENOENT', 'EACCES', 'EPERM', 'ENOTDIR', 'ENODEV']);

export function isUnavailable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && UNAVAILABLE.has(String((err as { code?: unknown }).code));
}
