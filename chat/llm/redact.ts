// The API key must never reach the terminal or a log: every error text that
// leaves the model client goes through here.
export function redactor(secret: string | undefined): (s: string) => string {
  return (s: string) => {
    let out = s;
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
    // Keys in URLs or headers written back by an HTTP library.
    return out.replace(/([?&]key=)[^&\s"']+/gi, '$1[redacted]').replace(/(x-goog-api-key["']?\s*[:=]\s*["']?)[^"'\s,}]+/gi, '$1[redacted]');
  };
}
