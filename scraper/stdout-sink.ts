// stdout is the data channel. Each round goes out as one write of whole lines.
// When the reader stops reading, rounds are dropped and counted instead of
// queueing without bound; when the reader goes away (EPIPE), we stop quietly.
import type { Writable } from 'node:stream';
import type { KsEvent } from '../lib/events.js';
import type { Logger } from '../lib/logger.js';

export class StdoutSink {
  /** Rounds dropped because stdout had not drained. */
  dropped = 0;
  written = 0;
  private droppedSinceDrain = 0;
  private closed = false;

  constructor(private readonly out: Writable, private readonly log: Logger, private readonly onClosed: () => void) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.close();
      else {
        this.log.error(`stdout failed: ${err.message}`);
        this.close();
      }
    });
    out.on('drain', () => {
      if (this.droppedSinceDrain > 0) {
        this.log.warn(`stdout drained after ${this.droppedSinceDrain} dropped rounds (${this.dropped} in total)`);
      }
      this.droppedSinceDrain = 0;
    });
  }

  /** Write one round; false when it was dropped (stdout blocked or closed). */
  write(events: readonly KsEvent[]): boolean {
    if (this.closed) return false;
    if (this.out.writableNeedDrain) {
      this.dropped++;
      if (this.droppedSinceDrain++ === 0) this.log.warn('stdout is not being read: dropping rounds until it drains');
      return false;
    }
    if (events.length === 0) return true;
    this.out.write(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    this.written++;
    return true;
  }

  /** Resolve once what was written has been handed to the OS (or after `maxMs`). */
  flush(maxMs = 500): Promise<void> {
    if (this.closed || this.out.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.out.write('', () => { clearTimeout(timer); resolve(); });
    });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed();
  }
}
