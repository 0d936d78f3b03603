// The one error a model request ends in, with a bounded set of codes, and the
// one redactor every error text passes before it reaches a log, a terminal or
// the database.
import { escapeUntrusted, redactSecrets } from '../sanitize.js';

export type ModelErrorCode = 'http' | 'timeout' | 'invalid' | 'runtime';

export class ModelError extends Error {
  constructor(message: string, readonly code: ModelErrorCode) { super(message); }
}


/** Remove the given secrets and anything shaped like an API key from `s`. */
export function redact(s: string, secrets: readonly (string | undefined)[] = []): string {
  let out = s;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return redactSecrets(out);
}

export function redactor(...secrets: (string | undefined)[]): (s: string) => string {
  return (s) => redact(s, secrets);
}

/**
 * Any failure of a request as a ModelError. Redact before capping: a cut could
 * otherwise leave part of a key behind.
 */
export function toModelError(e: unknown, secrets: readonly (string | undefined)[] = []): ModelError {
  const clean = (s: string) => escapeUntrusted(redact(s, secrets), 300);
  // Ours are made from clean text already.
  if (e instanceof ModelError) return e;
  const err = e as { name?: string; status?: number; message?: string } | undefined;
  const msg = err?.message ?? String(e);
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError' || /abort|timed? ?out/i.test(msg)) return new ModelError(clean(`model request timed out or was aborted: ${msg}`), 'timeout');
  return new ModelError(clean(`model request failed${err?.status ? ` (HTTP ${err.status})` : ''}: ${msg}`), 'http');
}
