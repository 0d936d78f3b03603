// DECIDE: the model when one is configured, the rules otherwise and whenever the
// model fails. Both produce proposals in the same shape; neither acts. Justification
// cites the cause and its signal ids; confidence comes from the evidence
// (confidence.ts), whoever decided.
import type { Db } from '../../lib/db.js';
import { ModelError } from '../../lib/llm/errors.js';
import { confidenceFor, trackRecord, type ConfidenceBreakdown } from './confidence.js';
import { CATALOGUE } from '../actions/catalogue.js';
import type { Refusal } from '../actions/types.js';
import type { ActionPort } from '../executor/port.js';
import type { ExecContext, Proposal } from '../executor/types.js';
import { applicable, candidateKey, onCooldown } from './candidates.js';
import type { Cause } from './explain.js';
import type { Observation } from './observe.js';
import { effectOf, type Simulation } from './simulate.js';

export interface DecideOptions {
  readonly maxActions: number;
  readonly cooldownS: number;
  /** Causes scoring below this are explained but not acted on. */
  readonly minScore: number;
}

export interface DecidedProposal extends Proposal {
  readonly causeId?: string;
  readonly evidence: ConfidenceBreakdown;
}

export interface Decision {
  readonly decidedBy: 'rules' | 'model';
  readonly model?: string;
  readonly proposals: DecidedProposal[];
  /** Why causes got no action (nothing fits, cooldown, below score). */
  readonly notes: string[];
  readonly fallbackReason?: string;
  readonly modelTurns?: number;
  readonly modelTokens?: number;
  readonly modelFinish?: string;
}

/** A call the model made, as DECIDE reads it. */
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
  /** Calls beyond the per-turn limit, per turn: refused unread, audited as one row each. */
  readonly overflow?: ReadonlyArray<{ readonly turn: number; readonly count: number; readonly names: readonly string[] }>;
}

export interface DecideRequest {
  readonly cycleId: number | null;
  readonly obs: Observation;
  readonly causes: readonly Cause[];
  readonly sim: Simulation;
  readonly maxActions: number;
  /** Verified and failed actions so far, per catalogue action. */
  readonly track: Record<string, { verified: number; failed: number }>;
  /** Executor pre-check: what it would say about this call now. */
  readonly precheck: (call: ModelCall) => Promise<Refusal | null>;
  readonly signal?: AbortSignal;
}

/** What DECIDE needs of a model-backed decider (agent/llm/decider.ts is one). */
export interface Decider {
  readonly model: string;
  decide(req: DecideRequest): Promise<ModelDecision>;
}

function justify(c: Cause, rationale: string): string {
  return `${c.kind} on ${c.resource} (cause ${c.id}, signals ${c.signalIds.map((i) => `#${i}`).join(', ')}, score ${c.score}): ${c.evidence.join('; ')}. ${rationale}`;
}

export function decideByRules(db: Db, obs: Observation, causes: readonly Cause[], sim: Simulation, o: DecideOptions): Decision {
  const proposals: DecidedProposal[] = [];
  const notes: string[] = [];
  const usedKeys = new Set<string>();
  for (const c of causes) {
    if (c.advice) notes.push(`${c.id} (${c.kind}) advice: ${c.advice}`);
    if (proposals.length >= o.maxActions) break;
    if (c.score < o.minScore) { notes.push(`${c.id}: score ${c.score} below ${o.minScore}`); continue; }
    const cands = applicable(sim.candidates.filter((x) => x.causeId === c.id), obs, notes);
    if (cands.length === 0) { notes.push(`${c.id} (${c.kind}): no action in the catalogue fits (${c.evidence.join('; ')})`); continue; }
    const pick = cands.find((x) => {
      const key = candidateKey(x, obs);
      if (usedKeys.has(key)) return false;
      if (onCooldown(db, key, o.cooldownS, obs.ts)) { notes.push(`${c.id}: ${x.action} skipped, ${key} on cooldown`); return false; }
      return true;
    });
    if (!pick) continue;
    usedKeys.add(candidateKey(pick, obs));
    const projection = sim.byResource[c.resource] ? sim.projections[sim.byResource[c.resource]!] : undefined;
    const evidence = confidenceFor(db, pick.action, c, projection);
    proposals.push({
      action: pick.action, params: pick.params, decidedBy: 'rules', signalIds: c.signalIds, causeId: c.id,
      justification: justify(c, pick.rationale), expectedEffect: pick.expectedEffect, confidence: evidence.confidence, evidence,
    });
  }
  return { decidedBy: 'rules', proposals, notes };
}

function fromModel(db: Db, obs: Observation, causes: readonly Cause[], sim: Simulation, call: ModelCall, model: string): DecidedProposal {
  const t = typeof call.params.target === 'string' ? call.params.target : undefined;
  const cause = causes.find((c) => c.id === call.causeId) ?? causes.find((c) => t !== undefined && c.targetRef === t);
  const projection = cause && sim.byResource[cause.resource] ? sim.projections[sim.byResource[cause.resource]!] : undefined;
  const evidence = confidenceFor(db, call.action, cause, projection);
  const known = Object.hasOwn(CATALOGUE, call.action);
  const effect = known ? effectOf({ causeId: cause?.id ?? '', action: call.action, params: call.params as Record<string, string | number>, rationale: '' }, obs).expectedEffect : 'unknown action';
  return {
    action: call.action, params: call.params, decidedBy: 'model', model, signalIds: cause?.signalIds ?? [], causeId: cause?.id,
    justification: `model: ${call.justification}${cause ? ` [cause ${cause.id}: ${cause.evidence.join('; ')}]` : ' [no matching cause]'}`,
    expectedEffect: effect, confidence: evidence.confidence, evidence,
  };
}

/**
 * `loadModel` loads the decider (the provider's SDK is imported on first use). Everything from
 * loading it to parsing its reply runs inside one try: whatever throws there
 * (SDK, network, parsing, a runtime without what the SDK needs), the rules decide
 * this cycle and the reason is recorded.
 */
export async function decide(
  db: Db, obs: Observation, causes: readonly Cause[], sim: Simulation, o: DecideOptions,
  loadModel: (() => Promise<Decider>) | undefined, executor: ActionPort, ctx: ExecContext, signal?: AbortSignal,
): Promise<Decision> {
  if (!loadModel || causes.length === 0) return decideByRules(db, obs, causes, sim, o);
  let loaded: Decider | undefined;
  try {
    const model = loaded = await loadModel();
    const track = Object.fromEntries(Object.keys(CATALOGUE).map((a) => { const t = trackRecord(db, a); return [a, { verified: t.verified, failed: t.failed }]; }));
    const d = await model.decide({
      cycleId: ctx.cycleId, obs, causes, sim, maxActions: o.maxActions, track,
      precheck: (call) => executor.precheck({ action: call.action, params: call.params, decidedBy: 'model', justification: '', expectedEffect: '', confidence: 0, signalIds: [] }, ctx),
      signal,
    });
    for (const o of d.overflow ?? []) {
      await executor.refuse({
        cycleId: ctx.cycleId, action: 'model_reply', refusedRule: 'model_call_limit', model: model.model,
        params: { turn: o.turn, refused_calls: o.count, names: o.names },
        note: `turn ${o.turn}: ${o.count} function calls beyond the per-turn limit were refused unread`,
      });
    }
    return {
      decidedBy: 'model', model: model.model, notes: [], modelTurns: d.turns, modelTokens: d.tokens, modelFinish: d.finishReason,
      proposals: d.calls.map((c) => fromModel(db, obs, causes, sim, c, model.model)),
    };
  } catch (e) {
    if (signal?.aborted) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    // An unreadable reply (no call, not a JSON decision, malformed arguments) is the
    // model's decision failing, so the audit trail shows it, not only the cycle row.
    if (e instanceof ModelError && e.code === 'invalid') {
      await executor.refuse({
        cycleId: ctx.cycleId, action: 'model_reply', refusedRule: 'model_reply_invalid', model: loaded?.model ?? null,
        params: {}, note: `the rules decided this cycle: ${reason}`,
      });
    }
    const rules = decideByRules(db, obs, causes, sim, o);
    return { ...rules, fallbackReason: reason };
  }
}
