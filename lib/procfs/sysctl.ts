// /proc/sys: one value per file, the key's dots as path separators.
import path from 'node:path';
import { readOptional } from './text.js';

export function sysctlFile(key: string, root = '/proc/sys'): string {
  return path.join(root, ...key.split('.'));
}

/** The value as printed (trimmed), or null when the key does not exist here. */
export function readSysctl(key: string, root = '/proc/sys'): string | null {
  return readOptional(sysctlFile(key, root))?.trim() ?? null;
}
