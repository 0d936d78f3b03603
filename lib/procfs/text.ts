// What every /proc parser shares: numbers that fail loudly with the bad text, and
// an optional read for the readers whose callers treat a missing file as "none".
import fs from 'node:fs';

/** Parse a decimal field, throwing with the bad text so a log line shows it. */
export function toNumber(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(n)) {
    throw new Error(`${what}: expected a number, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The whole file (/proc files report size 0), or undefined when it cannot be read. */
export function readOptional(file: string): string | undefined {
  try { return fs.readFileSync(file, 'utf8'); } catch { return undefined; }
}

const SEQ_BUF = Buffer.allocUnsafe(1 << 18);

/**
 * A seq_file (/proc/net/tcp and the like) in one read() where it fits. The
 * kernel regenerates such a file at every read() call, and for /proc/net/tcp
 * that walks the whole connection hash table (milliseconds on a big-memory host
 * even with no sockets); readFileSync would make a second read() to see EOF.
 * A seq_file read fills the buffer unless it reached the end, so a short read is
 * the whole file; a full one falls back to reading on.
 */
export function readSeqFile(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const n = fs.readSync(fd, SEQ_BUF, 0, SEQ_BUF.length, null);
    if (n < SEQ_BUF.length) return SEQ_BUF.toString('utf8', 0, n);
    const parts = [Buffer.from(SEQ_BUF)];
    for (let m; (m = fs.readSync(fd, SEQ_BUF, 0, SEQ_BUF.length, null)) > 0;) parts.push(Buffer.from(SEQ_BUF.subarray(0, m)));
    return Buffer.concat(parts).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
