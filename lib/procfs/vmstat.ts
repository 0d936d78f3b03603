// /proc/vmstat as a map of counter name → value (zoned kernels print more names, same shape).
import path from 'node:path';
import { readOptional } from './text.js';

export function parseVmstat(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)\s+(-?\d+)\s*$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** undefined when the file cannot be read. */
export function readVmstat(root = '/proc'): Map<string, number> | undefined {
  const text = readOptional(path.join(root, 'vmstat'));
  return text === undefined ? undefined : parseVmstat(text);
}
