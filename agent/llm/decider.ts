// The model-backed decider, over any provider (lib/llm). Tool calling is
// restricted to the catalogue (mode `any`, allowed names). Each call the model
// makes is pre-checked by the executor and the verdict goes back as a tool
// result, so the model can correct a refused call; the model's own turn is kept
// in the history unchanged (for Gemini 3, with its thought signatures). Any
// failure (HTTP error after retries, timeout, a reply without calls) throws: the
// caller falls back to the rules for the cycle.
//
// The reply is bounded whatever the model sends: at most MAX_CALLS_PER_TURN calls
// are read per turn (the surplus is reported back as one overflow, audited as one
// row, and ends the conversation), at most MAX_TURNS turns, and refusal details
// going back to the model name targets by ref, never by pid.
import type { Db } from '../../lib/db.js';
import { ModelError, toModelError } from '../../lib/llm/errors.js';
import { answerCalls, modelId, type Message, type ModelMessage, type ModelProvider, type ToolCall, type Turn } from '../../lib/llm/provider.js';
import { escapeUntrusted } from '../../lib/sanitize.js';
import type { Decider, DecideRequest, ModelCall, ModelDecision } from '../phases/decide.js';
import { declarations, FINISH, META_ARGS } from './declarations.js';
import { modelObservation, SYSTEM_INSTRUCTION } from './observation.js';
import { outcomeOf, recordUsage } from './usage.js';

/** Calls read from one model turn; the rest are refused together. */
export const MAX_CALLS_PER_TURN = 16;
/** Hard ceiling on turns, whatever the configuration asks. */
export const MAX_TURNS = 5;

/** A refusal detail as the model may see it: pids become the refs it knows, unknown pids are hidden. */
export function detailForModel(detail: string, refOfPid: ReadonlyMap<number, string>): string {
  const mapped = detail.replace(/\bpid\s+(\d+)/gi, (_m, n: string) => refOfPid.get(Number(n)) ?? 'a process');
  // Any other bare number that is a known pid is replaced as well (e.g. "1234 no longer exists").
  const hidden = mapped.replace(/\b\d+\b/g, (n) => refOfPid.get(Number(n)) ?? n);
  return escapeUntrusted(hidden, 200);
}

export class ModelDecider implements Decider {
  private readonly maxTurns: number;

  constructor(private readonly db: Db, private readonly provider: ModelProvider, maxTurns: number) {
    this.maxTurns = Math.max(1, Math.min(MAX_TURNS, Math.floor(maxTurns)));
  }

  /** provider/model: audit rows and usage rows say which provider answered. */
  get model(): string { return modelId(this.provider); }

  async decide(req: DecideRequest): Promise<ModelDecision> {
    const tools = declarations(req.obs.targets.map((t) => t.ref), req.causes.map((c) => c.id));
    const observation = modelObservation(req.obs, req.causes, req.sim, req.maxActions, req.track);
    const history: Message[] = [{ role: 'user', text: JSON.stringify({ observation }) }];
    const calls: ModelCall[] = [];
    const seen = new Set<string>();
    const refOfPid = new Map(req.obs.targets.map((t) => [t.pid, t.ref]));
    const overflow: Array<{ turn: number; count: number; names: string[] }> = [];
    let tokens = 0;
    for (let turn = 1; turn <= this.maxTurns; turn++) {
      const reply = await this.request(req, history, tools, turn);
      tokens += reply.usage.totalTokens ?? 0;
      history.push(reply.message);
      let finished: string | undefined;
      let refused = 0;
      const read = reply.calls.slice(0, MAX_CALLS_PER_TURN);
      const surplus = reply.calls.slice(MAX_CALLS_PER_TURN);
      const results = await answerCalls(read, async (fc: ToolCall) => {
        if (fc.name === FINISH) {
          finished = escapeUntrusted(String(fc.args.reason ?? ''), 300);
          return { ok: true };
        }
        const params = Object.fromEntries(Object.entries(fc.args).filter(([k]) => !(META_ARGS as readonly string[]).includes(k)));
        const call: ModelCall = {
          action: fc.name, params, turn,
          justification: escapeUntrusted(String(fc.args.justification ?? ''), 300),
          causeId: typeof fc.args.cause_id === 'string' ? fc.args.cause_id : undefined,
        };
        const key = JSON.stringify([fc.name, params]);
        const refusal = seen.has(key) ? { rule: 'duplicate', detail: 'already proposed this cycle' } : await req.precheck(call);
        if (!seen.has(key)) calls.push(call);
        seen.add(key);
        if (refusal) refused++;
        return refusal ? { status: 'refused', rule: refusal.rule, detail: detailForModel(refusal.detail, refOfPid) } : { status: 'accepted' };
      });
      if (surplus.length > 0) {
        const names = [...new Set(surplus.map((c) => escapeUntrusted(String(c.name), 64)))].slice(0, 10);
        overflow.push({ turn, count: surplus.length, names });
        // A reply this large is not a conversation worth continuing.
        return { calls, turns: turn, finishReason: finished, tokens, overflow };
      }
      // Another turn only when there is something to correct.
      if (finished !== undefined || refused === 0 || turn === this.maxTurns) return { calls, turns: turn, finishReason: finished, tokens, overflow };
      history.push(results);
    }
    return { calls, turns: this.maxTurns, tokens, overflow };
  }

  /** One turn, recorded in agent_llm_usage whatever its outcome; a reply without calls is invalid. */
  private async request(req: DecideRequest, history: readonly Message[], tools: ReturnType<typeof declarations>, turn: number): Promise<Turn & { readonly message: ModelMessage }> {
    const t0 = performance.now();
    const row = { cycleId: req.cycleId, model: this.model, turn };
    let reply: Turn;
    try {
      reply = await this.provider.generate({
        system: SYSTEM_INSTRUCTION, history, tools, mode: 'any', allowed: tools.map((d) => d.name),
        // Picking from a short list needs little thought.
        effort: 'low', signal: req.signal,
      });
    } catch (e) {
      const me = toModelError(e);
      recordUsage(this.db, { ...row, latencyMs: performance.now() - t0, outcome: outcomeOf(me.code), error: me.message });
      throw me;
    }
    const { message } = reply;
    const ok = message !== null && reply.calls.length > 0;
    recordUsage(this.db, { ...row, latencyMs: performance.now() - t0, outcome: ok ? 'ok' : 'invalid', usage: reply.usage });
    if (!ok) throw new ModelError(`model reply on turn ${turn} is neither a valid function call nor a valid JSON decision`, 'invalid');
    return { ...reply, message };
  }
}
