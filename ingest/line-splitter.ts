// Splits a byte stream into lines without ever holding more than `maxBytes` of one
// line: an over-long line is cut off, reported once, and skipped to its newline.
// Works on Buffers so invalid UTF-8 can be detected per line instead of being
// silently replaced with U+FFFD by a string decoder.

export interface SplitterSink {
  line(bytes: Buffer): void;
  /** A line longer than the cap; `head` is its first bytes, `bytes` its total size. */
  tooLong(head: Buffer, bytes: number): void;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false; // inside an over-long line, waiting for its newline
  private skippedBytes = 0;
  private skippedHead: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: SplitterSink, private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      this.emit(chunk.subarray(start, nl));
      start = nl + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  /** End of input: a final line without a newline is still a line. */
  end(): void {
    if (this.skipping) {
      this.sink.tooLong(this.skippedHead, this.skippedBytes);
      this.skipping = false;
    } else if (this.pendingBytes > 0) {
      const last = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.deliver(last);
    }
  }

  private emit(part: Buffer): void {
    if (this.skipping) {
      this.sink.tooLong(this.skippedHead, this.skippedBytes + part.length);
      this.skipping = false;
      return;
    }
    if (this.pendingBytes === 0) { this.deliver(part); return; }
    const whole = Buffer.concat([...this.pending, part], this.pendingBytes + part.length);
    this.pending = [];
    this.pendingBytes = 0;
    this.deliver(whole);
  }

  private deliver(line: Buffer): void {
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, -1); // CRLF
    if (line.length > this.maxBytes) { this.sink.tooLong(line.subarray(0, 256), line.length); return; }
    if (line.length > 0) this.sink.line(line);
  }

  private hold(part: Buffer): void {
    if (this.skipping) { this.skippedBytes += part.length; return; }
    if (this.pendingBytes + part.length > this.maxBytes) {
      const head = Buffer.concat([...this.pending, part]).subarray(0, 256);
      this.skippedHead = Buffer.from(head);
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
