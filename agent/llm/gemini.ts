// The model-backed decider (Gemini through @google/genai). Function calling is
// restricted to the catalogue (mode ANY, allowedFunctionNames). Each call the
// model makes is pre-checked by the executor and the verdict goes back as a
// function response, so the model can correct a refused call; the model's own
// Content is appended to the history unchanged, which carries its thought
// signatures into the next turn as Gemini 3 requires. Any failure (HTTP error
// after retries, timeout, a reply without calls) throws: the caller falls back to
// the rules for the cycle.
import { createGeminiClient } from '../../lib/gemini-client.js';
import { FunctionCallingConfigMode, GoogleGenAI, ThinkingLevel, type Content, type FunctionCall, type Part } from '@google/genai';
import type { Db } from '../../lib/db.js';
import { escapeUntrusted } from '../../lib/sanitize.js';
import type { Refusal } from '../actions/types.js';
import { declarations, FINISH, META_ARGS } from './declarations.js';
import { recordUsage } from './usage.js';

export interface GeminiOptions {
  readonly apiKey: string;
  readonly model: string;
  readonly baseUrl?: string;
  /** Per-request timeout; the SDK aborts and retries. */
  readonly timeoutMs: number;
  /** Retries after the first attempt (HTTP 408/429/5xx and timeouts). */
  readonly retries: number;
  readonly maxTurns: number;
}

export interface ModelCall {
  readonly action: string;
  /** Action parameters only (justification and cause_id split off). */
  readonly params: Record<string, unknown>;
  readonly justification: string;
  readonly causeId?: string;
  readonly turn: number;
}

export interface ModelDecision {
  readonly calls: ModelCall[];
  readonly turns: number;
  readonly finishReason?: string;
  readonly tokens: number;
}

export interface DecideRequest {
  readonly cycleId: number | null;
  readonly observation: Record<string, unknown>;
  readonly refs: readonly string[];
  readonly causeIds: readonly string[];
  readonly systemInstruction: string;
  /** Executor pre-check: what it would say about this call now. */
  readonly precheck: (call: ModelCall) => Promise<Refusal | null>;
  readonly signal?: AbortSignal;
}

export class ModelError extends Error {
  constructor(message: string, readonly code: 'http' | 'timeout' | 'invalid' | 'runtime') { super(message); }
}

/**
 * Node's fetch (undici) compiles its HTTP parser to WebAssembly on first use; in
 * a runtime without it (V8 --lite-mode) that first request kills the process
 * from inside undici, where no try/catch reaches. Refuse up front instead.
 */
export function runtimeProblem(): string | undefined {
  return typeof WebAssembly === 'undefined'
    ? 'this Node runtime has no WebAssembly (started with --lite-mode?), which fetch needs for HTTP: run the agent without --lite-mode'
    : undefined;
}

function classify(e: unknown): ModelError {
  if (e instanceof ModelError) return e;
  const err = e as { name?: string; status?: number; message?: string };
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError' || /abort|timed? ?out/i.test(err?.message ?? '')) return new ModelError(`model request timed out or was aborted: ${err?.message}`, 'timeout');
  return new ModelError(`model request failed${err?.status ? ` (HTTP ${err.status})` : ''}: ${escapeUntrusted(err?.message ?? String(e), 300)}`, 'http');
}

export class GeminiDecider {
  private readonly ai: GoogleGenAI;

  constructor(private readonly db: Db, readonly opts: GeminiOptions) {
    const problem = runtimeProblem();
    if (problem) throw new ModelError(problem, 'runtime');
    this.ai = createGeminiClient(opts);
  }

  async decide(req: DecideRequest): Promise<ModelDecision> {
    const tools = [{ functionDeclarations: declarations(req.refs, req.causeIds) }];
    const allowed = tools[0]!.functionDeclarations.map((d) => d.name!);
    const contents: Content[] = [{ role: 'user', parts: [{ text: JSON.stringify({ observation: req.observation }) }] }];
    const calls: ModelCall[] = [];
    const seen = new Set<string>();
    let tokens = 0;
    for (let turn = 1; turn <= this.opts.maxTurns; turn++) {
      const t0 = performance.now();
      let content: Content | undefined;
      try {
        const res = await this.ai.models.generateContent({
          model: this.opts.model,
          contents,
          config: {
            systemInstruction: req.systemInstruction,
            tools,
            toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: allowed } },
            // Picking from a short list needs little thought; Gemini 3 defaults to high (slow).
            // Older models take a token budget instead, so leave them at their default.
            ...(this.opts.model.startsWith('gemini-3') ? { thinkingConfig: { thinkingLevel: ThinkingLevel.LOW } } : {}),
            abortSignal: req.signal,
          },
        });
        tokens += res.usageMetadata?.totalTokenCount ?? 0;
        content = res.candidates?.[0]?.content;
        const hasCall = content?.parts?.some((p) => p.functionCall) ?? false;
        recordUsage(this.db, { cycleId: req.cycleId, model: this.opts.model, turn, latencyMs: performance.now() - t0, outcome: hasCall ? 'ok' : 'invalid', usage: res.usageMetadata });
        if (!content || !hasCall) throw new ModelError(`model reply on turn ${turn} has no function call`, 'invalid');
      } catch (e) {
        const me = classify(e);
        if (!(e instanceof ModelError)) recordUsage(this.db, { cycleId: req.cycleId, model: this.opts.model, turn, latencyMs: performance.now() - t0, outcome: me.code === 'timeout' ? 'timeout' : 'error', error: me.message });
        throw me;
      }
      // Unchanged, so the parts keep their thoughtSignature for the next request.
      contents.push(content);
      const responses: Part[] = [];
      let finished: string | undefined;
      let refused = 0;
      for (const part of content.parts ?? []) {
        if (!part.functionCall) continue;
        const fc: FunctionCall = part.functionCall;
        const name = String(fc.name ?? '');
        const args = (fc.args ?? {}) as Record<string, unknown>;
        let response: Record<string, unknown>;
        if (name === FINISH) {
          finished = escapeUntrusted(String(args.reason ?? ''), 300);
          response = { ok: true };
        } else {
          const params = Object.fromEntries(Object.entries(args).filter(([k]) => !(META_ARGS as readonly string[]).includes(k)));
          const call: ModelCall = {
            action: name, params, turn,
            justification: escapeUntrusted(String(args.justification ?? ''), 300),
            causeId: typeof args.cause_id === 'string' ? args.cause_id : undefined,
          };
          const key = JSON.stringify([name, params]);
          const refusal = seen.has(key) ? { rule: 'duplicate', detail: 'already proposed this cycle' } : await req.precheck(call);
          if (!seen.has(key)) calls.push(call);
          seen.add(key);
          if (refusal) refused++;
          response = refusal ? { status: 'refused', rule: refusal.rule, detail: refusal.detail } : { status: 'accepted' };
        }
        responses.push({ functionResponse: { name, ...(fc.id ? { id: fc.id } : {}), response } });
      }
      // Another turn only when there is something to correct.
      if (finished !== undefined || refused === 0 || turn === this.opts.maxTurns) return { calls, turns: turn, finishReason: finished, tokens };
      contents.push({ role: 'user', parts: responses });
    }
    return { calls, turns: this.opts.maxTurns, tokens };
  }
}
