// Signal context_json comes from classifiers and may quote process names. Two
// readers: processCandidates pulls (pid, start_time) pairs out of it for OBSERVE;
// modelSafe keeps only numbers and booleans, with processes replaced by their
// opaque refs, so no free text from the host reaches a model.

export interface Candidate { readonly pid: number; readonly startTime?: number }

// Keys are classifier vocabulary (snake_case); anything else, or anything that spells a
// process name seen on the host (a map keyed by comm), is dropped.
const KEY = /^[a-z][a-z0-9_]{0,39}$/;

export function parseContext(json: string): Record<string, unknown> {
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function processCandidates(v: unknown, depth = 0, out: Candidate[] = []): Candidate[] {
  if (depth > 4 || typeof v !== 'object' || v === null) return out;
  if (Array.isArray(v)) {
    for (const x of v.slice(0, 50)) processCandidates(x, depth + 1, out);
    return out;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0) {
    out.push({ pid: o.pid, startTime: typeof o.start_time === 'number' ? o.start_time : undefined });
  }
  for (const x of Object.values(o)) if (typeof x === 'object') processCandidates(x, depth + 1, out);
  return out;
}

export function modelSafe(v: unknown, refOf: (pid: number, startTime?: number) => string | undefined, names: ReadonlySet<string> = new Set(), depth = 0): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.round(v * 1000) / 1000 : undefined;
  if (typeof v === 'boolean') return v;
  if (depth > 3 || typeof v !== 'object' || v === null) return undefined;
  if (Array.isArray(v)) return v.slice(0, 10).map((x) => modelSafe(x, refOf, names, depth + 1)).filter((x) => x !== undefined);
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof o.pid === 'number') out.ref = refOf(o.pid, typeof o.start_time === 'number' ? o.start_time : undefined) ?? 'unobserved';
  for (const [k, x] of Object.entries(o)) {
    if (!KEY.test(k) || names.has(k.toLowerCase()) || k === 'pid' || k === 'start_time' || k === 'ppid' || k === 'uid') continue;
    const s = modelSafe(x, refOf, names, depth + 1);
    if (s !== undefined && !(Array.isArray(s) && s.length === 0)) out[k] = s;
  }
  return out;
}
