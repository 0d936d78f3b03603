// Cuts a byte stream into whole lines, never holding more than `maxBytes` of one
// line. A line over the cap is dropped whole and reported once (its first bytes
// and total size): half a JSON object is worse than none. Works on Buffers, so
// invalid UTF-8 can be told per line instead of being silently replaced by a
// string decoder. Used by the supervisor (producers' stdout, stderr logs) and by
// ingest (its stdin).

export interface LineSink {
  /**
   * One whole line. It may share memory with the chunk that was pushed: a sink
   * that keeps it past the call copies it (the stream may reuse the chunk).
   */
  line(bytes: Buffer): void;
  /** A line longer than the cap, dropped: its first bytes, and its size. */
  tooLong?(head: Buffer, bytes: number): void;
}

export interface SplitOptions {
  /**
   * Deliver each line with its '\n', empty lines included (the supervisor
   * forwards lines byte for byte). Otherwise lines come without '\n' or a
   * trailing '\r', and empty lines are skipped.
   */
  readonly keepNewline?: boolean;
}

const HEAD = 256;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false; // inside an over-long line, waiting for its newline
  private skippedBytes = 0;
  private skippedHead: Buffer = Buffer.alloc(0);
  private readonly keepNewline: boolean;

  constructor(private readonly sink: LineSink, private readonly maxBytes: number, opts: SplitOptions = {}) {
    this.keepNewline = opts.keepNewline ?? false;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      // The cap is on the line's content: a CRLF's '\r' does not count in text mode.
      const cr = !this.keepNewline && nl > start && chunk[nl - 1] === 13 ? 1 : 0;
      this.emit(chunk.subarray(start, this.keepNewline ? nl + 1 : nl), nl - start - cr);
      start = nl + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  /**
   * End of input. Returns the bytes of an unterminated last line (the caller
   * decides whether it counts); an over-long one is reported instead.
   */
  end(): Buffer | undefined {
    if (this.skipping) {
      this.sink.tooLong?.(this.skippedHead, this.skippedBytes);
      this.skipping = false;
      return undefined;
    }
    if (this.pendingBytes === 0) return undefined;
    const rest = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return rest;
  }

  /** End of input, where a last line without its newline is still a line. */
  flush(): void {
    const rest = this.end();
    if (rest) this.emit(rest, rest.length);
  }

  /** `part` is the line as delivered; `bytes` its length without the newline. */
  private emit(part: Buffer, bytes: number): void {
    if (this.skipping) {
      this.sink.tooLong?.(this.skippedHead, this.skippedBytes + bytes);
      this.skipping = false;
      return;
    }
    if (this.pendingBytes + bytes > this.maxBytes) {
      this.sink.tooLong?.(Buffer.concat([...this.pending, part]).subarray(0, HEAD), this.pendingBytes + bytes);
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    let line = part;
    if (this.pendingBytes > 0) {
      line = Buffer.concat([...this.pending, part], this.pendingBytes + part.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    if (this.keepNewline) { this.sink.line(line); return; }
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, -1); // CRLF
    if (line.length > 0) this.sink.line(line);
  }

  private hold(part: Buffer): void {
    if (this.skipping) { this.skippedBytes += part.length; return; }
    if (this.pendingBytes + part.length > this.maxBytes) {
      this.skippedHead = Buffer.from(Buffer.concat([...this.pending, part]).subarray(0, HEAD));
      this.skippedBytes = this.pendingBytes + part.length;
      this.skipping = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    // Copy: the caller's chunk buffer may be reused by the stream.
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
  }
}
