// Signal context_json comes from classifiers and may quote process names:
// processCandidates pulls (pid, start_time) pairs out of it for OBSERVE (what a
// model may see of it is agent/llm/observation.ts's modelSafe).

export interface Candidate { readonly pid: number; readonly startTime?: number }

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
