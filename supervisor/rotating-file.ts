// A size-bounded append-only log for children that do not write their own (the C
// tracers' stderr). Rotation copies the file to .1 (older ones shift to .2 ...)
// and truncates the original in place, so `tail -f <file>` keeps following the
// same file — GNU tail notices the truncation and goes on — and the newest lines
// are always in <name>.log, like the winston logs of the TS components.
import fs from 'node:fs';
import { LOG_FILE_MODE, openAppendNoFollow } from '../lib/private-files.js';

export class RotatingFile {
  private fd: number;
  private size: number;

  constructor(readonly file: string, private readonly maxBytes = 10 * 1024 * 1024, private readonly keep = 3) {
    this.fd = openAppendNoFollow(file, LOG_FILE_MODE);
    try {
      fs.fchmodSync(this.fd, LOG_FILE_MODE); // 0640 also for a file an older version created
    } catch {
      // not ours to change: leave it
    }
    this.size = fs.fstatSync(this.fd).size;
  }

  /** Append one line, prefixed with an ISO timestamp like the winston logs. */
  writeLine(text: string): void {
    const buf = Buffer.from(`${new Date().toISOString()} ${text}\n`);
    if (this.size + buf.length > this.maxBytes && this.size > 0) this.rotate();
    try {
      fs.writeSync(this.fd, buf);
      this.size += buf.length;
    } catch {
      // A full disk must not take the supervisor down with it.
    }
  }

  private rotate(): void {
    try {
      for (let i = this.keep - 1; i >= 1; i--) {
        const from = `${this.file}.${i}`;
        if (fs.existsSync(from)) fs.renameSync(from, `${this.file}.${i + 1}`);
      }
      if (this.keep >= 1) {
        // Created anew, never through whatever link someone left at that name.
        fs.rmSync(`${this.file}.1`, { force: true });
        fs.copyFileSync(this.file, `${this.file}.1`, fs.constants.COPYFILE_EXCL);
      }
      fs.ftruncateSync(this.fd, 0);
    } catch {
      // Rotation failing leaves the file growing a bit longer, nothing worse.
    }
    this.size = 0;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
