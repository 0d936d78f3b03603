// The model-provider seam: one request shape and one reply shape, whichever
// provider answers. Loops (the agent's decider, chat's tool rounds) speak only
// this; each provider maps it to its own API in one file behind lib/llm/index.ts.
// Nothing here loads an SDK, so code that only holds these types stays small.

/** How the model may use the tools on this turn. */
export type ToolMode =
  /** Must call one of `allowed` (or of all tools). */
  | 'any'
  /** Calls tools or answers in text, as it sees fit. */
  | 'auto'
  /** Text only: tools stay declared (the history refers to them) but cannot be called. */
  | 'none';

export interface ToolDeclaration {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: Record<string, unknown>;
}

export interface ToolCall {
  /** The provider's call id, echoed on the result when there is one. */
  readonly id?: string;
  readonly name: string;
  readonly args: Record<string, unknown>;
}

export interface ToolResult {
  readonly id?: string;
  readonly name: string;
  readonly response: Record<string, unknown>;
}

export interface UserMessage { readonly role: 'user'; readonly text: string }

export interface ModelMessage {
  readonly role: 'model';
  readonly calls: readonly ToolCall[];
  readonly text: string;
  /**
   * The provider's own turn, sent back unchanged when the same provider reads
   * this history (Gemini 3 requires its thought signatures back as they came).
   */
  readonly raw?: { readonly provider: string; readonly turn: unknown };
}

export interface ToolMessage { readonly role: 'tool'; readonly results: readonly ToolResult[] }

export type Message = UserMessage | ModelMessage | ToolMessage;

export interface Usage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly thoughtTokens?: number;
  readonly totalTokens?: number;
}

export interface TurnRequest {
  readonly system: string;
  readonly history: readonly Message[];
  readonly tools: readonly ToolDeclaration[];
  readonly mode: ToolMode;
  /** With mode `any`: the names the model may call (default: every tool). */
  readonly allowed?: readonly string[];
  /** `low`: the choice is small, spend little thought on it (providers that can). */
  readonly effort?: 'low';
  /** `json`: the reply must be one JSON object (providers that can constrain it do). */
  readonly responseFormat?: 'json';
  readonly signal?: AbortSignal;
}

export interface Turn {
  /** What to append to the history; null when the reply carried no content at all. */
  readonly message: ModelMessage | null;
  readonly calls: readonly ToolCall[];
  /** The reply's text, thoughts excluded. */
  readonly text: string;
  readonly usage: Usage;
  readonly finishReason?: string;
  /** Why the provider refused the prompt, when it did. */
  readonly blockReason?: string;
}

export interface ModelProvider {
  readonly provider: string;
  readonly model: string;
  /** One request. Every failure is thrown as a ModelError with redacted text. */
  generate(req: TurnRequest): Promise<Turn>;
}

/** "provider/model", the form users write and audits, usage rows and chat show. */
export const modelId = (p: Pick<ModelProvider, 'provider' | 'model'>): string => `${p.provider}/${p.model}`;

export interface ProviderOptions {
  readonly apiKey: string;
  readonly model: string;
  readonly baseUrl?: string;
  /** Per request; the provider aborts and retries. */
  readonly timeoutMs: number;
  /** Retries after the first attempt (HTTP 408/429/5xx and timeouts), with the SDK's backoff. */
  readonly retries: number;
  /**
   * `native` (default): the API's tool calling. `json`: no tools are sent; the
   * model answers one JSON object naming the call (lib/llm/json-mode.ts), for
   * models that print calls as text or ignore tools.
   */
  readonly toolCalls?: ToolCallStyle;
}

export type ToolCallStyle = 'native' | 'json';

/**
 * The tools the model may call on this turn. APIs without a way to restrict
 * calls to a subset (OpenAI-compatible servers, Anthropic) are sent only these.
 */
export function callable(req: TurnRequest): readonly ToolDeclaration[] {
  if (req.mode !== 'any' || !req.allowed) return req.tools;
  const allowed = new Set(req.allowed);
  return req.tools.filter((t) => allowed.has(t.name));
}

/** Answer each call of a turn, in order, as one tool message. */
export async function answerCalls(calls: readonly ToolCall[], answer: (c: ToolCall) => Promise<Record<string, unknown>>): Promise<ToolMessage> {
  const results: ToolResult[] = [];
  for (const c of calls) results.push({ ...(c.id ? { id: c.id } : {}), name: c.name, response: await answer(c) });
  return { role: 'tool', results };
}

/**
 * The history with an id on every call and result. APIs that pair a result with
 * its call by id (OpenAI-compatible, Anthropic) need one even for calls that came
 * without (read from text, or from a provider that sets none); a result takes the
 * id of the call at its position in the model turn just before it.
 */
export function withCallIds(history: readonly Message[]): Message[] {
  const id = (turn: number, i: number) => `call_${turn}_${i}`;
  return history.map((m, k): Message => {
    if (m.role === 'model' && m.calls.some((c) => !c.id)) return { ...m, calls: m.calls.map((c, i) => (c.id ? c : { ...c, id: id(k, i) })) };
    if (m.role === 'tool') {
      const prev = history[k - 1];
      const calls = prev?.role === 'model' ? prev.calls : [];
      return { ...m, results: m.results.map((r, i) => (r.id ? r : { ...r, id: calls[i]?.id ?? id(k - 1, i) })) };
    }
    return m;
  });
}
