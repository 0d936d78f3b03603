// A shared secret for a loopback or LAN endpoint (the MCP HTTP transport, the
// dashboard): 32 random bytes in hex, made at first start into a 0600 file, and
// compared in constant time.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';

/** The token in `file`, made (mode 0600) when missing; `what` names it in errors. */
export function loadToken(file: string, what = 'token'): string {
  try {
    const t = fs.readFileSync(file, 'utf8').trim();
    if (t.length >= 32) return t;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the ${what} ${file}: ${(e as Error).message}`);
  }
  const t = crypto.randomBytes(32).toString('hex');
  writeFileAtomic(file, `${t}\n`, 0o600);
  return t;
}

export const sameToken = (a: string, b: string): boolean => a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
