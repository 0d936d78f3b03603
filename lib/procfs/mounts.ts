// /proc/self/mounts (and /proc/<pid>/mounts): one mount per line, fields separated
// by single spaces, with spaces and friends inside a field escaped as octal (\040).
import { readOptional } from './text.js';

export interface Mount {
  readonly device: string;
  readonly mountPoint: string;
  readonly fstype: string;
  readonly options: string[];
}

const unoctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountPoint, fstype, options] = line.split(' ');
    if (!device || !mountPoint || !fstype || options === undefined) continue;
    out.push({ device: unoctal(device), mountPoint: unoctal(mountPoint), fstype, options: options.split(',') });
  }
  return out;
}

/** null when the file cannot be read. */
export function readMounts(file = '/proc/self/mounts'): Mount[] | null {
  const text = readOptional(file);
  return text === undefined ? null : parseMounts(text);
}
