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

const SEQ_BUF = Buffer.allocUnsafe(1 << 16);

/**
 * A /proc seq_file (net/tcp, net/tcp6) read to its end. Each read() returns at
 * most the kernel's internal page of records, however large the buffer, so a
 * short read is not the end of the file: only a read of 0 bytes is. (Taking the
 * first short read as the whole file counted 27 of 207 sockets on a host with
 * 100 loopback connections.)
 */
export function readSeqFile(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const parts: Buffer[] = [];
    for (let n; (n = fs.readSync(fd, SEQ_BUF, 0, SEQ_BUF.length, null)) > 0;) parts.push(Buffer.from(SEQ_BUF.subarray(0, n)));
    return Buffer.concat(parts).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
