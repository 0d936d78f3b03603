// Tool results go into a model's context and onto a terminal: cap their size. The
// tools cap rows and strings themselves; this is the last guard for the whole.
export const DEFAULT_MAX_CHARS = 6000;

export function bounded(result: unknown, maxChars = DEFAULT_MAX_CHARS): unknown {
  const text = JSON.stringify(result) ?? 'null';
  if (text.length <= maxChars) return result;
  // Shorten the largest arrays first; they are where rows pile up.
  if (result && typeof result === 'object' && !Array.isArray(result)) {
    const copy: Record<string, unknown> = { ...(result as Record<string, unknown>) };
    for (let pass = 0; pass < 8; pass++) {
      const arrays = Object.entries(copy).filter(([, v]) => Array.isArray(v) && v.length > 1) as Array<[string, unknown[]]>;
      if (arrays.length === 0) break;
      arrays.sort((a, b) => JSON.stringify(b[1]).length - JSON.stringify(a[1]).length);
      const [k, arr] = arrays[0]!;
      copy[k] = arr.slice(0, Math.max(1, Math.floor(arr.length / 2)));
      copy.truncated = true;
      if ((JSON.stringify(copy) ?? '').length <= maxChars) return copy;
    }
  }
  return { truncated: true, original_chars: text.length, json_prefix: text.slice(0, maxChars - 100) };
}
