// The supervisor's dead-man switch. A tiny detached process (reaper/reaper.c, in
// C so it costs ~1 MB instead of a Node runtime) holds the read end of a pipe
// from the supervisor and a list of the process groups it started. If the pipe
// closes without a "quit" — the supervisor was killed, even by SIGKILL — it
// stops those groups (producers first, ingest last so it can flush) and exits.
// This is what guarantees that no process of ours outlives the supervisor,
// whatever the children themselves do about parent death.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { REAPER_BIN } from '../lib/paths.js';

/** Tier 1 is stopped first (producers, agent), tier 2 last (ingest). */
export type Tier = 1 | 2;

export class Reaper {
  private constructor(private readonly proc: ChildProcess) {}

  /**
   * marker ends up in the reaper's command line so tests can find it. Undefined
   * when the binary is not built: the caller runs without the net and says so.
   */
  static start(logFile: string, marker: string, bin = REAPER_BIN): Reaper | undefined {
    if (!fs.existsSync(bin)) return undefined;
    const proc = spawn(bin, ['--log', logFile, '--marker', marker], {
      detached: true, // own session: Ctrl-C in the terminal does not reach it
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    proc.stdin!.on('error', () => {}); // the reaper dying early must not crash us
    proc.unref();
    (proc.stdin as unknown as { unref?: () => void }).unref?.();
    return new Reaper(proc);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  add(pgid: number, start: number, tier: Tier): void {
    this.send(`add ${pgid} ${start} ${tier}`);
  }

  del(pgid: number): void {
    this.send(`del ${pgid}`);
  }

  /** Clean stop: tell it nothing is left, and wait (bounded) until it is gone. */
  quit(timeoutMs = 2000): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) return resolve();
      const timer = setTimeout(resolve, timeoutMs);
      this.proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.send('quit');
      this.proc.stdin!.end();
    });
  }

  private send(line: string): void {
    if (this.proc.stdin?.writable) this.proc.stdin.write(`${line}\n`);
  }
}
