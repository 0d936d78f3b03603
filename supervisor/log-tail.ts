// The last line a component wrote to its own log, to explain an exit when its
// stderr said nothing (supervised TS children log to their file only).
import fs from 'node:fs';

/** Last non-empty line of file, if the file was written since `since` (ms epoch). */
export function lastLogLine(file: string, since: number, maxBytes = 4096): string | undefined {
  try {
    const st = fs.statSync(file);
    if (st.mtimeMs < since - 1000) return undefined; // an old run's line would mislead
    const fd = fs.openSync(file, 'r');
    try {
      const len = Math.min(maxBytes, st.size);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, st.size - len);
      const lines = buf.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
      return lines.at(-1);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
