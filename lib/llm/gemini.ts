// Gemini through @google/genai, behind the provider interface. The only file
// that imports the SDK (25 MB resident): lib/llm/index.ts loads it on first use,
// only when a key is set. The model's Content goes into the history unchanged as
// the turn's raw part, so its thought signatures reach the next request as
// Gemini 3 requires.
import { FunctionCallingConfigMode, GoogleGenAI, ThinkingLevel, type Content, type GenerateContentResponse, type Part } from '@google/genai';
import { ModelError, toModelError } from './errors.js';
import type { Message, ModelProvider, ProviderOptions, ToolCall, Turn, TurnRequest } from './provider.js';

const PROVIDER = 'gemini';

const MODE = { any: FunctionCallingConfigMode.ANY, auto: FunctionCallingConfigMode.AUTO, none: FunctionCallingConfigMode.NONE } as const;

function toContent(m: Message): Content {
  switch (m.role) {
    case 'user': return { role: 'user', parts: [{ text: m.text }] };
    case 'tool': return { role: 'user', parts: m.results.map((r) => ({ functionResponse: { name: r.name, ...(r.id ? { id: r.id } : {}), response: r.response } })) };
    case 'model':
      if (m.raw?.provider === PROVIDER) return m.raw.turn as Content;
      return { role: 'model', parts: [...(m.text ? [{ text: m.text }] : []), ...m.calls.map((c): Part => ({ functionCall: { name: c.name, args: c.args, ...(c.id ? { id: c.id } : {}) } }))] };
  }
}

function toTurn(res: GenerateContentResponse): Turn {
  const cand = res.candidates?.[0];
  const content = cand?.content;
  const parts = content?.parts ?? [];
  const calls: ToolCall[] = parts.flatMap((p) => (p.functionCall
    ? [{ name: String(p.functionCall.name ?? ''), args: (p.functionCall.args ?? {}) as Record<string, unknown>, ...(p.functionCall.id ? { id: p.functionCall.id } : {}) }]
    : []));
  const text = parts.filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text).join('');
  const u = res.usageMetadata;
  return {
    // Unchanged (role aside): the parts carry the thought signatures.
    message: parts.length ? { role: 'model', calls, text, raw: { provider: PROVIDER, turn: content!.role ? content : { ...content, role: 'model' } } } : null,
    calls, text,
    usage: { inputTokens: u?.promptTokenCount, outputTokens: u?.candidatesTokenCount, thoughtTokens: u?.thoughtsTokenCount, totalTokens: u?.totalTokenCount },
    ...(cand?.finishReason ? { finishReason: String(cand.finishReason) } : {}),
    ...(res.promptFeedback?.blockReason ? { blockReason: String(res.promptFeedback.blockReason) } : {}),
  };
}

export class GeminiProvider implements ModelProvider {
  readonly provider = PROVIDER;
  readonly model: string;
  private readonly ai: GoogleGenAI;
  private readonly apiKey: string;

  constructor(o: ProviderOptions) {
    this.model = o.model;
    this.apiKey = o.apiKey;
    this.ai = new GoogleGenAI({
      apiKey: o.apiKey,
      httpOptions: {
        ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
        timeout: o.timeoutMs,
        retryOptions: { attempts: o.retries + 1, initialDelay: 0.5, maxDelay: 4 },
      },
    });
  }

  async generate(req: TurnRequest): Promise<Turn> {
    let res: GenerateContentResponse;
    try {
      res = await this.ai.models.generateContent({
        model: this.model,
        contents: req.history.map(toContent),
        config: {
          systemInstruction: req.system,
          // No tools at all in the JSON-decision mode (lib/llm/json-mode.ts).
          ...(req.tools.length ? {
            tools: [{ functionDeclarations: req.tools.map((t) => ({ name: t.name, description: t.description, parametersJsonSchema: t.parameters })) }],
            toolConfig: { functionCallingConfig: { mode: MODE[req.mode], ...(req.mode === 'any' && req.allowed ? { allowedFunctionNames: [...req.allowed] } : {}) } },
          } : {}),
          ...(req.responseFormat === 'json' ? { responseMimeType: 'application/json' } : {}),
          // Gemini 3 defaults to high thinking (slow). Older models take a token
          // budget instead, so leave them at their default.
          ...(req.effort === 'low' && this.model.startsWith('gemini-3') ? { thinkingConfig: { thinkingLevel: ThinkingLevel.LOW } } : {}),
          abortSignal: req.signal,
        },
      });
    } catch (e) {
      throw toModelError(e, [this.apiKey]);
    }
    try {
      return toTurn(res);
    } catch (e) {
      throw new ModelError(`model reply could not be read: ${toModelError(e, [this.apiKey]).message}`, 'invalid');
    }
  }
}

export function createGemini(o: ProviderOptions): ModelProvider {
  return new GeminiProvider(o);
}
