// OpenAI-compatible servers through the `openai` SDK's chat-completions API, the
// one they all serve (OpenAI, Ollama's /v1, vLLM, llama.cpp's server, LM Studio,
// OpenRouter, LiteLLM); not the OpenAI-only Responses API. Loaded by
// lib/llm/index.ts on first use. Servers that cannot restrict calls to a subset
// are sent only the callable tools (provider.ts `callable`); retries with backoff
// on 408/409/429/5xx and the per-attempt timeout are the SDK's.
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam, ChatCompletionToolChoiceOption } from 'openai/resources/chat/completions';
import { ModelError, toModelError } from './errors.js';
import { callable, withCallIds, type Message, type ModelProvider, type ProviderOptions, type ToolCall, type Turn, type TurnRequest } from './provider.js';

function toMessages(system: string, history: readonly Message[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [{ role: 'system', content: system }];
  for (const m of withCallIds(history)) {
    switch (m.role) {
      case 'user': out.push({ role: 'user', content: m.text }); break;
      case 'model':
        out.push({
          role: 'assistant', content: m.text || null,
          ...(m.calls.length ? { tool_calls: m.calls.map((c) => ({ id: c.id!, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.args) } })) } : {}),
        });
        break;
      case 'tool':
        for (const r of m.results) out.push({ role: 'tool', tool_call_id: r.id!, content: JSON.stringify(r.response) });
        break;
    }
  }
  return out;
}

function toolChoice(req: TurnRequest, offered: number): ChatCompletionToolChoiceOption {
  if (req.mode === 'none') return 'none';
  if (req.mode === 'auto') return 'auto';
  const only = req.allowed?.length === 1 ? req.allowed[0] : undefined;
  return only && offered === 1 ? { type: 'function', function: { name: only } } : 'required';
}

/** Arguments arrive as a JSON string the model wrote: anything but an object makes the reply unreadable. */
function argsOf(raw: string | undefined, name: string): Record<string, unknown> {
  let v: unknown;
  try { v = JSON.parse(raw?.trim() || '{}'); } catch { v = undefined; }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ModelError(`model reply has a call to ${JSON.stringify(name.slice(0, 40))} whose arguments are not a JSON object`, 'invalid');
  return v as Record<string, unknown>;
}

function toTurn(res: ChatCompletion): Turn {
  const choice = res.choices?.[0];
  const msg = choice?.message;
  const calls: ToolCall[] = (msg?.tool_calls ?? []).flatMap((c) => (c.type === 'function'
    ? [{ id: c.id, name: String(c.function.name ?? ''), args: argsOf(c.function.arguments, String(c.function.name ?? '')) }]
    : []));
  const text = typeof msg?.content === 'string' ? msg.content : '';
  const u = res.usage;
  return {
    message: msg && (calls.length || text) ? { role: 'model', calls, text } : null,
    calls, text,
    usage: {
      inputTokens: u?.prompt_tokens, outputTokens: u?.completion_tokens,
      thoughtTokens: u?.completion_tokens_details?.reasoning_tokens ?? undefined, totalTokens: u?.total_tokens,
    },
    ...(choice?.finish_reason ? { finishReason: String(choice.finish_reason) } : {}),
    ...(msg?.refusal ? { blockReason: 'refusal' } : {}),
  };
}

export class OpenAIProvider implements ModelProvider {
  readonly model: string;
  private readonly client: OpenAI;
  private readonly apiKey: string;

  /** `provider`: the name it was configured under (openai, ollama), for audits and usage. */
  constructor(readonly provider: string, o: ProviderOptions) {
    this.model = o.model;
    this.apiKey = o.apiKey;
    // Servers that need no key (Ollama, a local vLLM) still get one: the SDK refuses to start without.
    this.client = new OpenAI({ apiKey: o.apiKey || 'no-key', baseURL: o.baseUrl, timeout: o.timeoutMs, maxRetries: o.retries, logLevel: 'off' });
  }

  async generate(req: TurnRequest): Promise<Turn> {
    const tools = callable(req);
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.model,
      messages: toMessages(req.system, req.history),
      ...(tools.length ? {
        tools: tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } })),
        tool_choice: toolChoice(req, tools.length),
      } : {}),
      ...(req.responseFormat === 'json' ? { response_format: { type: 'json_object' as const } } : {}),
      ...(req.effort === 'low' && /^(o\d|gpt-5)/.test(this.model) ? { reasoning_effort: 'low' as const } : {}),
    };
    let res: ChatCompletion;
    try {
      res = await this.client.chat.completions.create(body, { signal: req.signal });
    } catch (e) {
      throw toModelError(e, [this.apiKey]);
    }
    if (typeof res !== 'object' || res === null || !Array.isArray(res.choices)) throw new ModelError('model reply is not a chat completion', 'invalid');
    try {
      return toTurn(res);
    } catch (e) {
      if (e instanceof ModelError) throw e;
      throw new ModelError(`model reply could not be read: ${toModelError(e, [this.apiKey]).message}`, 'invalid');
    }
  }
}

export const createOpenAI = (name: string) => (o: ProviderOptions): ModelProvider => new OpenAIProvider(name, o);
