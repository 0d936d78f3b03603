// Untrusted strings (process names, command lines, paths, journal and dmesg
// lines, rejected input) are made safe before they reach a log line, a terminal
// or a model prompt.
//
// Two treatments. Characters that render as nothing and can smuggle text past a
// reader (every format character, Cf: Unicode tags U+E0000..E007F, zero-width
// characters, the BOM, soft hyphen, interlinear annotations; variation selectors;
// the Hangul fillers) are removed. Control and bidi characters are replaced by a
// visible \uXXXX escape, so a reader sees that something was there.

const INVISIBLE = /(?![\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069])[\p{Cf}\u034f\ufe00-\ufe0f\u{E0100}-\u{E01EF}\u115f\u1160\u3164\uffa0]/gu;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** A high surrogate left alone at the end of a cut. */
const LONE_HIGH = /[\ud800-\udbff]$/;

/** Strip invisible characters, cap the length, and escape control and bidi characters as \\uXXXX. */
export function escapeUntrusted(s: string, max = 200): string {
  const visible = s.replace(INVISIBLE, '');
  const capped = visible.length > max ? `${visible.slice(0, max).replace(LONE_HIGH, '')}...(${visible.length - max} more)` : visible;
  return capped.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Quote untrusted text as data: escaped, capped, and wrapped so it reads as a value. */
export function quoteUntrusted(s: string, max = 64): string {
  return JSON.stringify(escapeUntrusted(s, max));
}

/**
 * The last guard before a structure goes to a model: every string in it, keys
 * included, escaped as escapeUntrusted does (uncapped: the caller bounds the size).
 */
export function escapeDeep(v: unknown): unknown {
  if (typeof v === 'string') return escapeUntrusted(v, Number.MAX_SAFE_INTEGER);
  if (Array.isArray(v)) return v.map(escapeDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [escapeUntrusted(k, 200), escapeDeep(x)]));
  return v;
}

// Shapes secrets take in log lines and error texts: API keys written back by an
// HTTP library or a proxy, bearer tokens, key=value credentials, cloud keys,
// private key blocks.
const SECRETS: ReadonlyArray<[RegExp, string]> = [
  [/([?&](?:key|api_key|apikey|access_token)=)[^&\s"']+/gi, '$1[redacted]'],
  [/((?:x-goog-api-key|x-api-key|api-key)["']?\s*[:=]\s*["']?)[^"'\s,}]+/gi, '$1[redacted]'],
  [/(\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[redacted]'],
  [/\bAIza[0-9A-Za-z_-]{10,}/g, '[redacted]'],
  [/\bsk-(?:ant-|proj-)?[0-9A-Za-z_-]{8,}/g, '[redacted]'],
  [/\b((?:password|passwd|pwd|secret|token|api[_-]?key|client[_-]?secret)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1[redacted]'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, '[redacted]'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
];

/** Anything shaped like a secret in `s`, replaced by [redacted]. */
export function redactSecrets(s: string): string {
  let out = s;
  for (const [re, to] of SECRETS) out = out.replace(re, to);
  return out;
}
