// Waiting for a condition and making a scratch directory: the two things every
// test and the benchmark do around a real process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Poll until cond() is truthy; throw naming `what` after timeoutMs (a hang guard, not a speed check). */
export async function waitFor<T>(cond: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string | (() => string), timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}

export function tempDir(prefix = 'ks-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
