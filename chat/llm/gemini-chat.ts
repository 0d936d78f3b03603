// The model-backed answerer: Gemini function calling over the read-only chat
// tools. Each model reply is appended to the history unchanged, so the parts keep
// their thoughtSignature for every later request, in this question and the next
// (Gemini 3 rejects a function-calling history whose signatures were dropped).
// Tool results go back bounded; after maxRounds of tool calls the model is asked
// to answer with what it has (function calling off). Any failure throws and
// leaves the history as it was before the question: the caller answers by rules.
import { createGeminiClient } from '../../lib/gemini-client.js';
import { FunctionCallingConfigMode, GoogleGenAI, type Content, type Part } from '@google/genai';
import type { Logger } from '../../lib/logger.js';
import { escapeUntrusted } from '../../lib/sanitize.js';
import { runTool } from '../tools/index.js';
import type { ChatTool, ToolContext } from '../tools/types.js';
import { isoLocal } from '../time.js';
import { toolDeclarations } from './declarations.js';
import { systemInstruction } from './instruction.js';
import { redactor } from './redact.js';
import { ModelFailure } from './model-failure.js';

export interface GeminiChatOptions {
  readonly apiKey: string;
  readonly model: string;
  readonly baseUrl?: string;
  readonly timeoutMs: number;
  /** Retries after the first attempt (the SDK retries 408/429/5xx). */
  readonly retries: number;
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
}


export class GeminiChat {
  private readonly ai: GoogleGenAI;
  private readonly history: Content[] = [];
  private readonly redact: (s: string) => string;

  constructor(private readonly tools: readonly ChatTool[], readonly opts: GeminiChatOptions, private readonly log: Logger) {
    this.redact = redactor(opts.apiKey);
    this.ai = createGeminiClient(opts);
  }

  /** Contents currently kept (for tests and /status): questions, model turns, tool results. */
  get historyLength(): number { return this.history.length; }

  async ask(ctx: ToolContext, question: string, signal?: AbortSignal): Promise<ModelAnswer> {
    const mark = this.history.length;
    this.history.push({ role: 'user', parts: [{ text: question }] });
    const declarations = toolDeclarations(this.tools);
    const calls: ToolCallRecord[] = [];
    let tokens = 0;
    try {
      for (let round = 1; round <= this.opts.maxRounds + 1; round++) {
        const mustAnswer = round > this.opts.maxRounds;
        const res = await this.ai.models.generateContent({
          model: this.opts.model,
          contents: this.history,
          config: {
            systemInstruction: systemInstruction(isoLocal(ctx.nowS())),
            tools: [{ functionDeclarations: declarations }],
            toolConfig: { functionCallingConfig: { mode: mustAnswer ? FunctionCallingConfigMode.NONE : FunctionCallingConfigMode.AUTO } },
            abortSignal: signal,
          },
        });
        tokens += res.usageMetadata?.totalTokenCount ?? 0;
        const cand = res.candidates?.[0];
        const content = cand?.content;
        if (!content?.parts?.length) throw new ModelFailure(`model reply has no content (finish reason ${cand?.finishReason ?? 'none'}${res.promptFeedback?.blockReason ? `, blocked: ${res.promptFeedback.blockReason}` : ''})`);
        // Unchanged (role aside): the parts carry the thought signatures.
        this.history.push(content.role ? content : { ...content, role: 'model' });
        const fcs = content.parts.filter((p) => p.functionCall);
        if (fcs.length === 0) {
          const text = content.parts.filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text).join('').trim();
          if (!text) throw new ModelFailure(`model reply has neither text nor function calls (finish reason ${cand?.finishReason ?? 'none'})`);
          this.trim();
          this.log.info('model answered', { rounds: round, tools: calls.map((c) => c.name), tokens });
          return { text, rounds: round, calls, tokens };
        }
        if (mustAnswer) throw new ModelFailure(`model kept calling tools after ${this.opts.maxRounds} rounds`);
        const responses: Part[] = [];
        for (const part of fcs) {
          const fc = part.functionCall!;
          const name = String(fc.name ?? '');
          const t0 = performance.now();
          const out = await runTool(ctx, name, fc.args ?? {}, this.opts.maxToolChars);
          const ms = Math.round(performance.now() - t0);
          calls.push({ name: escapeUntrusted(name, 40), ok: out.ok, ms });
          this.log.info(`tool ${escapeUntrusted(name, 40)} ${out.ok ? 'ok' : 'error'}`, { ms, round, ...(out.ok ? {} : { error: out.error }) });
          responses.push({
            functionResponse: { name, ...(fc.id ? { id: fc.id } : {}), response: out.ok ? { output: out.result } : { error: out.error } },
          });
        }
        this.history.push({ role: 'user', parts: responses });
      }
      throw new ModelFailure('no answer');
    } catch (e) {
      // A half-finished exchange (a call without its response) would poison every later request.
      this.history.length = mark;
      throw new ModelFailure(this.describe(e));
    }
  }

  /** Redact before capping: a cut could otherwise leave part of the key behind. */
  private describe(e: unknown): string {
    const err = e as { name?: string; status?: number; message?: string };
    if (e instanceof ModelFailure) return escapeUntrusted(this.redact(e.message), 300);
    if (err?.name === 'AbortError' || /abort/i.test(err?.message ?? '')) return 'model request aborted or timed out';
    return escapeUntrusted(this.redact(`model request failed${err?.status ? ` (HTTP ${err.status})` : ''}: ${err?.message ?? String(e)}`), 300);
  }

  /** Keep the last maxQuestions questions; the history always starts at a question. */
  private trim(): void {
    const starts = this.history.flatMap((c, i) => (c.role === 'user' && c.parts?.some((p) => typeof p.text === 'string') ? [i] : []));
    if (starts.length <= this.opts.maxQuestions) return;
    this.history.splice(0, starts[starts.length - this.opts.maxQuestions]!);
  }
}
