// One way to build the Gemini SDK client, shared by the agent and chat: same
// timeout and retry policy, and a base URL override for the local test server.
import { GoogleGenAI } from '@google/genai';

export interface GeminiClientOptions {
  readonly apiKey: string;
  readonly baseUrl?: string;
  readonly timeoutMs: number;
  readonly retries: number;
}

export function createGeminiClient(o: GeminiClientOptions): GoogleGenAI {
  return new GoogleGenAI({
    apiKey: o.apiKey,
    httpOptions: {
      ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
      timeout: o.timeoutMs,
      retryOptions: { attempts: o.retries + 1, initialDelay: 0.5, maxDelay: 4 },
    },
  });
}
