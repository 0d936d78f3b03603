// Where one child's stdout and stderr go. Producers' stdout feeds the merger;
// everything else is text for a log. The last stderr lines are kept because a
// tracer that exits 77/78 says why there, and the status view repeats it.
import type { Readable } from 'node:stream';
import type { Logger } from '../lib/logger.js';
import { RateLimiter } from '../lib/logger.js';
import type { LineMerger } from './line-merger.js';
import { LineSplitter } from '../lib/line-splitter.js';
import type { RotatingFile } from './rotating-file.js';

const TAIL_LINES = 8;
const MAX_TEXT_LINE = 8 * 1024;

export class ChildOutput {
  readonly tail: string[] = [];
  private readonly limiter = new RateLimiter(200, 60_000);
  private stderrEnded!: () => void;
  /** Resolves when this run's stderr reached EOF. */
  readonly stderrDone = new Promise<void>((r) => (this.stderrEnded = r));

  constructor(
    private readonly name: string,
    private readonly log: Logger,
    private readonly ownLog: RotatingFile | undefined,
  ) {}

  /** Producer stdout: whole lines into the merger (a fresh splitter per run). */
  pipeStdoutToMerger(stdout: Readable, merger: LineMerger): void {
    const source = merger.open(this.name);
    stdout.on('data', (c: Buffer) => source.push(c));
    stdout.on('end', () => source.end());
    stdout.on('close', () => source.end());
    stdout.on('error', () => source.end());
  }

  /** Text stream (stderr, or a worker's stdout): line by line into a log. */
  pipeText(stream: Readable, kind: 'stderr' | 'stdout'): void {
    // keepNewline: blank lines of a stack trace or a report stay in the log.
    const splitter = new LineSplitter({ line: (line) => this.textLine(line.toString('utf8').replace(/\r?\n$/, ''), kind) }, MAX_TEXT_LINE, { keepNewline: true });
    stream.on('data', (c: Buffer) => splitter.push(c));
    const flush = (): void => {
      splitter.flush(); // a last line without '\n' is still worth logging
      if (kind === 'stderr') this.stderrEnded();
    };
    stream.on('end', flush);
    stream.on('error', flush);
    stream.on('close', flush);
  }

  /** The most recent non-empty stderr line, for "why did it exit". */
  lastLine(): string | undefined {
    return this.tail.at(-1);
  }

  private textLine(text: string, kind: 'stderr' | 'stdout'): void {
    if (kind === 'stderr' && text.trim()) {
      this.tail.push(text);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
    }
    if (this.ownLog) {
      this.ownLog.writeLine(text);
      return;
    }
    const gate = this.limiter.allow(kind);
    if (!gate.ok) return;
    const note = gate.suppressed ? ` (${gate.suppressed} lines suppressed)` : '';
    this.log.warn(`[${this.name}:${kind}] ${text}${note}`);
  }
}
