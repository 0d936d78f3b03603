// JSON columns (patterns, context, params, verification) were written by another
// process and may be broken or missing: a reader gets the default, not a throw.
export function parseJson<T>(text: string | null | undefined, dflt: T): T {
  try { return text ? (JSON.parse(text) as T) : dflt; } catch { return dflt; }
}
