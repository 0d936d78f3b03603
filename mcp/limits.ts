// What keeps one MCP session from costing the host much: a cap on calls per
// minute (a sliding window), a timeout per call, and a cap on each result's size
// (chat/tools/bound.ts, applied by runTool).
export const MAX_RESULT_CHARS = 12_000;
export const CALL_TIMEOUT_MS = 20_000;
/** An approval runs the action and VERIFY's settle and measurement windows. */
export const APPROVE_TIMEOUT_MS = 300_000;

export class CallBudget {
  private readonly calls: number[] = [];
  constructor(private readonly perMinute: number) {}

  /** Seconds to wait before the next call is allowed; 0: allowed now (and counted). */
  take(now = Date.now()): number {
    while (this.calls.length && now - this.calls[0]! >= 60_000) this.calls.shift();
    if (this.calls.length >= this.perMinute) return Math.ceil((60_000 - (now - this.calls[0]!)) / 1000);
    this.calls.push(now);
    return 0;
  }
}

export async function withTimeout<T>(ms: number, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => { ac.abort(); reject(new Error(`${what} took longer than ${ms / 1000} s`)); }, ms); });
  try {
    return await Promise.race([run(ac.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
