// /proc/meminfo as a map of name → kB (the few count-only lines keep their raw value).
import path from 'node:path';
import { readOptional } from './text.js';

export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** undefined when the file cannot be read. */
export function readMeminfo(root = '/proc'): Map<string, number> | undefined {
  const text = readOptional(path.join(root, 'meminfo'));
  return text === undefined ? undefined : parseMeminfo(text);
}
