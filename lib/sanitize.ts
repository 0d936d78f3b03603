// Untrusted strings (process names, command lines, paths, rejected input) are
// made safe before they reach a log line, a terminal or a model prompt.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Replace control and bidi characters with \\uXXXX escapes and cap the length. */
export function escapeUntrusted(s: string, max = 200): string {
  const capped = s.length > max ? `${s.slice(0, max)}...(${s.length - max} more)` : s;
  return capped.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Quote untrusted text as data: escaped, capped, and wrapped so it reads as a value. */
export function quoteUntrusted(s: string, max = 64): string {
  return JSON.stringify(escapeUntrusted(s, max));
}
