// Anthropic through `@anthropic-ai/sdk`'s messages API with tool use; the base URL
// (ANTHROPIC_BASE_URL) serves a proxy or gateway. Loaded by lib/llm/index.ts on
// first use. The API restricts calls to "any tool" or one named tool, so with a
// subset allowed only that subset is sent (provider.ts `callable`). The model's
// content blocks go back unchanged when this provider reads its own history
// (thinking blocks must return as they came). Retries with backoff on
// 408/409/429/5xx and the per-attempt timeout are the SDK's.
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, Message as AnthropicMessage, MessageCreateParamsNonStreaming, MessageParam, ToolChoice } from '@anthropic-ai/sdk/resources/messages';
import { ModelError, toModelError } from './errors.js';
import { callable, withCallIds, type Message, type ModelProvider, type ProviderOptions, type ToolCall, type Turn, type TurnRequest } from './provider.js';

const PROVIDER = 'anthropic';
/** The API requires a cap; a decision or a chat answer needs far less. */
const MAX_TOKENS = 4096;

function toMessages(history: readonly Message[]): MessageParam[] {
  return withCallIds(history).map((m): MessageParam => {
    switch (m.role) {
      case 'user': return { role: 'user', content: m.text };
      case 'tool': return { role: 'user', content: m.results.map((r) => ({ type: 'tool_result' as const, tool_use_id: r.id!, content: JSON.stringify(r.response) })) };
      case 'model': {
        if (m.raw?.provider === PROVIDER) return { role: 'assistant', content: m.raw.turn as ContentBlockParam[] };
        const content: ContentBlockParam[] = [
          ...(m.text ? [{ type: 'text' as const, text: m.text }] : []),
          ...m.calls.map((c) => ({ type: 'tool_use' as const, id: c.id!, name: c.name, input: c.args })),
        ];
        return { role: 'assistant', content: content.length ? content : [{ type: 'text', text: '(no reply)' }] };
      }
    }
  });
}

function toolChoice(req: TurnRequest, offered: number): ToolChoice {
  if (req.mode === 'none') return { type: 'none' };
  if (req.mode === 'auto') return { type: 'auto' };
  const only = req.allowed?.length === 1 ? req.allowed[0] : undefined;
  return only && offered === 1 ? { type: 'tool', name: only } : { type: 'any' };
}

function toTurn(res: AnthropicMessage): Turn {
  const blocks = Array.isArray(res.content) ? res.content : [];
  const calls: ToolCall[] = blocks.flatMap((b) => (b.type === 'tool_use'
    ? [{ id: b.id, name: String(b.name ?? ''), args: (typeof b.input === 'object' && b.input !== null && !Array.isArray(b.input) ? b.input : {}) as Record<string, unknown> }]
    : []));
  const text = blocks.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  const u = res.usage;
  const total = (u?.input_tokens ?? 0) + (u?.output_tokens ?? 0);
  return {
    message: blocks.length ? { role: 'model', calls, text, raw: { provider: PROVIDER, turn: blocks } } : null,
    calls, text,
    usage: { inputTokens: u?.input_tokens, outputTokens: u?.output_tokens, ...(u ? { totalTokens: total } : {}) },
    ...(res.stop_reason ? { finishReason: String(res.stop_reason) } : {}),
    ...(res.stop_reason === 'refusal' ? { blockReason: 'refusal' } : {}),
  };
}

export class AnthropicProvider implements ModelProvider {
  readonly provider = PROVIDER;
  readonly model: string;
  private readonly client: Anthropic;
  private readonly apiKey: string;

  constructor(o: ProviderOptions) {
    this.model = o.model;
    this.apiKey = o.apiKey;
    this.client = new Anthropic({ apiKey: o.apiKey, baseURL: o.baseUrl, timeout: o.timeoutMs, maxRetries: o.retries, logLevel: 'off' });
  }

  async generate(req: TurnRequest): Promise<Turn> {
    const tools = callable(req);
    const body: MessageCreateParamsNonStreaming = {
      model: this.model, max_tokens: MAX_TOKENS, system: req.system,
      messages: toMessages(req.history),
      ...(tools.length ? {
        tools: tools.map((t) => ({ name: t.name, description: t.description, input_schema: { type: 'object' as const, ...t.parameters } })),
        tool_choice: toolChoice(req, tools.length),
      } : {}),
    };
    let res: AnthropicMessage;
    try {
      res = await this.client.messages.create(body, { signal: req.signal });
    } catch (e) {
      throw toModelError(e, [this.apiKey]);
    }
    if (typeof res !== 'object' || res === null || !Array.isArray(res.content)) throw new ModelError('model reply is not an Anthropic message', 'invalid');
    return toTurn(res);
  }
}

export function createAnthropic(o: ProviderOptions): ModelProvider {
  return new AnthropicProvider(o);
}
