// The model-backed answerer: tool calling over the read-only chat tools, with any
// provider (lib/llm). Each model turn is kept in the history unchanged, so for
// Gemini 3 its thought signatures reach every later request, in this question
// and the next. Tool results go back bounded; after maxRounds of tool calls the
// model is asked to answer with what it has (tools off). Any failure throws a
// ModelError and leaves the history as it was before the question: the caller
// answers by rules.
import { ModelError, toModelError } from '../../lib/llm/errors.js';
import { answerCalls, modelId, type Message, type ModelProvider } from '../../lib/llm/provider.js';
import type { Logger } from '../../lib/logger.js';
import { escapeUntrusted } from '../../lib/sanitize.js';
import { runTool } from '../tools/index.js';
import type { ChatTool, ToolContext } from '../tools/types.js';
import { isoLocal } from '../../lib/time.js';
import { toolDeclarations } from './declarations.js';
import { systemInstruction, windowNote } from './instruction.js';
import type { TimeWindow } from '../../lib/time-window.js';

/** Tool calls one model turn may make; a reply with more is not answered (the rules are). */
export const MAX_CALLS_PER_ROUND = 16;

export interface ModelChatOptions {
  /** provider/model, for the mode line before the provider is loaded. */
  readonly model: string;
  /** Rounds of tool calls per question before the model must answer. */
  readonly maxRounds: number;
  /** Questions kept in the conversation history. */
  readonly maxQuestions: number;
  /** Cap on each tool result sent to the model, in JSON characters. */
  readonly maxToolChars: number;
}

export interface ToolCallRecord { readonly name: string; readonly ok: boolean; readonly ms: number }

export interface ModelAnswer {
  readonly text: string;
  readonly rounds: number;
  readonly calls: readonly ToolCallRecord[];
  readonly tokens: number;
  /** provider/model that answered. */
  readonly model: string;
}

export class ModelChat {
  private readonly history: Message[] = [];

  /** `provider` is called before each question; it loads the provider on first use. */
  constructor(
    private readonly tools: readonly ChatTool[],
    private readonly provider: () => Promise<ModelProvider>,
    readonly opts: ModelChatOptions,
    private readonly log: Logger,
  ) {}

  /** Messages currently kept (for tests and /status): questions, model turns, tool results. */
  get historyLength(): number { return this.history.length; }

  /** `window`: the time the question is about; the model is told to pass it to the history tools. */
  async ask(ctx: ToolContext, question: string, signal?: AbortSignal, window?: TimeWindow | null): Promise<ModelAnswer> {
    const mark = this.history.length;
    this.history.push({ role: 'user', text: window ? `${question}\n\n${windowNote(window)}` : question });
    const tools = toolDeclarations(this.tools);
    const calls: ToolCallRecord[] = [];
    let tokens = 0;
    try {
      const provider = await this.provider();
      for (let round = 1; round <= this.opts.maxRounds + 1; round++) {
        const mustAnswer = round > this.opts.maxRounds;
        const reply = await provider.generate({
          system: systemInstruction(isoLocal(ctx.nowS())), history: this.history, tools, mode: mustAnswer ? 'none' : 'auto', signal,
        });
        tokens += reply.usage.totalTokens ?? 0;
        const finish = `finish reason ${reply.finishReason ?? 'none'}`;
        if (!reply.message) throw new ModelError(`model reply has no content (${finish}${reply.blockReason ? `, blocked: ${reply.blockReason}` : ''})`, 'invalid');
        this.history.push(reply.message);
        if (reply.calls.length === 0) {
          const text = reply.text.trim();
          if (!text) throw new ModelError(`model reply has neither text nor function calls (${finish})`, 'invalid');
          this.trim();
          const model = modelId(provider);
          this.log.info('model answered', { model, rounds: round, tools: calls.map((c) => c.name), tokens });
          return { text, rounds: round, calls, tokens, model };
        }
        if (mustAnswer) throw new ModelError(`model kept calling tools after ${this.opts.maxRounds} rounds`, 'invalid');
        if (reply.calls.length > MAX_CALLS_PER_ROUND) throw new ModelError(`model reply makes ${reply.calls.length} tool calls, more than ${MAX_CALLS_PER_ROUND} in one turn`, 'invalid');
        this.history.push(await answerCalls(reply.calls, async (fc) => {
          const name = escapeUntrusted(fc.name, 40);
          const t0 = performance.now();
          const out = await runTool(ctx, fc.name, fc.args, this.opts.maxToolChars);
          const ms = Math.round(performance.now() - t0);
          calls.push({ name, ok: out.ok, ms });
          this.log.info(`tool ${name} ${out.ok ? 'ok' : 'error'}`, { ms, round, ...(out.ok ? {} : { error: out.error }) });
          return out.ok ? { output: out.result } : { error: out.error };
        }));
      }
      throw new ModelError('no answer', 'invalid');
    } catch (e) {
      // A half-finished exchange (a call without its result) would poison every later request.
      this.history.length = mark;
      throw toModelError(e);
    }
  }

  /** Keep the last maxQuestions questions; the history always starts at a question. */
  private trim(): void {
    const starts = this.history.flatMap((m, i) => (m.role === 'user' ? [i] : []));
    if (starts.length <= this.opts.maxQuestions) return;
    this.history.splice(0, starts[starts.length - this.opts.maxQuestions]!);
  }
}
