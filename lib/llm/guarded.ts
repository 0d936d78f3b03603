// What every provider gets, whichever SDK is behind it (lib/llm/index.ts wraps
// each one): an overall deadline per request, because the SDKs time out only
// until the response headers and a server that sends headers and then stalls the
// body would hang the cycle forever; the JSON-decision mode; calls printed as
// text read as calls; and every failure as a redacted ModelError.
import { toModelError } from './errors.js';
import { jsonRequest, jsonTurn, rescuePrintedCalls } from './json-mode.js';
import type { ModelProvider, ProviderOptions, Turn, TurnRequest } from './provider.js';

/** Room for the SDK's backoff between attempts (both cap a wait at a few seconds). */
const BACKOFF_ALLOWANCE_MS = 4000;

/** The longest a request may take, all its attempts and waits included. */
export function deadlineMs(o: Pick<ProviderOptions, 'timeoutMs' | 'retries'>): number {
  return o.timeoutMs * (o.retries + 1) + BACKOFF_ALLOWANCE_MS * o.retries + 1000;
}

export class GuardedProvider implements ModelProvider {
  readonly provider: string;
  readonly model: string;

  constructor(private readonly inner: ModelProvider, private readonly o: ProviderOptions) {
    this.provider = inner.provider;
    this.model = inner.model;
  }

  async generate(req: TurnRequest): Promise<Turn> {
    const deadline = AbortSignal.timeout(deadlineMs(this.o));
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    const json = this.o.toolCalls === 'json';
    try {
      const turn = await this.inner.generate({ ...(json ? jsonRequest(req) : req), signal });
      return json ? jsonTurn(req, turn) : rescuePrintedCalls(req, turn);
    } catch (e) {
      throw toModelError(e, [this.o.apiKey]);
    }
  }
}
