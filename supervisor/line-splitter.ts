// Cuts one byte stream into whole lines (each returned with its '\n'). A line
// longer than the cap is dropped as a whole (counted) rather than cut, because
// half a JSON object is worse than none: ingest would quarantine both halves.
export interface SplitStats {
  tooLong: number;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private partLen = 0;
  private discarding = false;
  readonly stats: SplitStats = { tooLong: 0 };

  constructor(private readonly maxLineBytes: number, private readonly onLine: (line: Buffer) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      if (this.discarding) {
        this.discarding = false; // the oversized line ends here; it was counted when it crossed the cap
      } else if (this.partLen + nl + 1 - start > this.maxLineBytes) {
        this.stats.tooLong++;
      } else {
        const piece = chunk.subarray(start, nl + 1);
        this.onLine(this.partLen ? Buffer.concat([...this.parts, piece]) : Buffer.from(piece));
      }
      this.parts = [];
      this.partLen = 0;
      start = nl + 1;
    }
    if (start < chunk.length && !this.discarding) {
      const rest = chunk.subarray(start);
      if (this.partLen + rest.length > this.maxLineBytes) {
        this.stats.tooLong++;
        this.discarding = true;
        this.parts = [];
        this.partLen = 0;
      } else {
        // Copy: the chunk's memory may be reused by the stream.
        this.parts.push(Buffer.from(rest));
        this.partLen += rest.length;
      }
    }
  }

  /** End of stream: the bytes of an unterminated last line, if any. */
  end(): Buffer | undefined {
    const rest = this.partLen ? Buffer.concat(this.parts) : undefined;
    this.parts = [];
    this.partLen = 0;
    this.discarding = false;
    return rest;
  }
}
