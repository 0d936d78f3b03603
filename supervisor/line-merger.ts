// Merges the stdout of every producer into ingest's stdin, by whole lines only.
// Each producer has a bounded queue; the single writer takes lines round-robin
// and honours backpressure ('drain'), so one busy tracer cannot starve the
// others and no two streams ever meet inside a line. When ingest falls behind
// (or is restarting) a full queue drops the NEWEST lines and counts them: the
// producer is never blocked, so a tracer keeps reading its ring buffer.
//
// Unterminated last line when a producer exits: dropped and counted as
// `partial` (a truncated JSON object is never worth forwarding).
import type { Writable } from 'node:stream';
import { LineSplitter } from '../lib/line-splitter.js';

export interface MergerOptions {
  readonly maxLineBytes: number;
  readonly maxQueueBytes: number;
  /** Upper bound of one write() into the sink (several whole lines). */
  readonly batchBytes: number;
}

export const DEFAULT_MERGER: MergerOptions = { maxLineBytes: 64 * 1024, maxQueueBytes: 4 * 1024 * 1024, batchBytes: 64 * 1024 };

export interface SourceStats {
  lines: number;
  bytes: number;
  droppedQueueFull: number;
  droppedTooLong: number;
  droppedPartial: number;
  queuedLines: number;
  queuedBytes: number;
}

class SourceQueue {
  items: Buffer[] = [];
  head = 0;
  bytes = 0;
  readonly stats: SourceStats = { lines: 0, bytes: 0, droppedQueueFull: 0, droppedTooLong: 0, droppedPartial: 0, queuedLines: 0, queuedBytes: 0 };

  get length(): number {
    return this.items.length - this.head;
  }

  take(maxBytes: number): Buffer[] {
    const out: Buffer[] = [];
    let n = 0;
    while (this.head < this.items.length) {
      const b = this.items[this.head];
      if (out.length && n + b.length > maxBytes) break;
      out.push(b);
      n += b.length;
      this.head++;
    }
    this.bytes -= n;
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}

/** One producer run's stdout: its own splitter, the producer's shared queue. */
export interface LineSource {
  push(chunk: Buffer): void;
  /** The stream ended; drops (and counts) an unterminated last line. */
  end(): void;
}

export class LineMerger {
  private readonly queues = new Map<string, SourceQueue>();
  private order: string[] = [];
  private next = 0;
  private sink: Writable | undefined;
  private waitingDrain = false;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: MergerOptions = DEFAULT_MERGER) {}

  open(name: string): LineSource {
    const q = this.queue(name);
    const splitter = new LineSplitter({
      line: (line) => this.enqueue(q, Buffer.from(line)), // queued: a copy, the chunk is reused
      tooLong: () => { q.stats.droppedTooLong++; },
    }, this.opts.maxLineBytes, { keepNewline: true });
    let ended = false;
    return {
      push: (chunk) => {
        if (ended) return;
        splitter.push(chunk);
      },
      end: () => {
        if (ended) return;
        ended = true;
        if (splitter.end()) q.stats.droppedPartial++;
      },
    };
  }

  /** Route queued lines into this writable (ingest's stdin). */
  attach(sink: Writable): void {
    this.sink = sink;
    this.waitingDrain = false;
    // A write into a pipe whose reader died raises EPIPE; the child's exit handler
    // detaches us, so the error itself needs no action beyond not crashing.
    sink.on('error', () => this.detach(sink));
    this.schedule();
  }

  detach(sink?: Writable): void {
    if (sink && sink !== this.sink) return;
    this.sink = undefined;
    this.waitingDrain = false;
  }

  get attached(): boolean {
    return this.sink !== undefined;
  }

  stats(): Record<string, SourceStats> {
    const out: Record<string, SourceStats> = {};
    for (const [name, q] of this.queues) out[name] = { ...q.stats, queuedLines: q.length, queuedBytes: q.bytes };
    return out;
  }

  queuedBytes(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.bytes;
    return n;
  }

  /** Resolves once every queue is empty and the sink took everything (or timeout). */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.idle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => { clearTimeout(timer); resolve(true); });
      this.schedule();
    });
  }

  private idle(): boolean {
    return this.queuedBytes() === 0 && !this.waitingDrain;
  }

  private queue(name: string): SourceQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = new SourceQueue();
      this.queues.set(name, q);
      this.order = [...this.queues.keys()];
    }
    return q;
  }

  private enqueue(q: SourceQueue, line: Buffer): void {
    if (q.bytes + line.length > this.opts.maxQueueBytes) {
      q.stats.droppedQueueFull++;
      return;
    }
    q.items.push(line);
    q.bytes += line.length;
    q.stats.lines++;
    q.stats.bytes += line.length;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.sink && !this.waitingDrain && this.sink.writable) {
      const batch = this.takeBatch();
      if (!batch) break;
      const sink = this.sink;
      if (!sink.write(batch)) {
        this.waitingDrain = true;
        sink.once('drain', () => {
          if (this.sink !== sink) return;
          this.waitingDrain = false;
          this.schedule();
        });
      }
    }
    if (this.idle() && this.idleWaiters.length) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Lines from the next non-empty queue, round-robin. */
  private takeBatch(): Buffer | undefined {
    for (let i = 0; i < this.order.length; i++) {
      const name = this.order[(this.next + i) % this.order.length];
      const q = this.queues.get(name)!;
      if (q.length === 0) continue;
      this.next = (this.next + i + 1) % this.order.length;
      const lines = q.take(this.opts.batchBytes);
      return lines.length === 1 ? lines[0] : Buffer.concat(lines);
    }
    return undefined;
  }
}
