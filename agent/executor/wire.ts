// What crosses the executor's socket: one JSON object per line each way,
// {id, op, args} in and {id, ok, result | error} out. Everything that comes in is
// untrusted: it is rebuilt here field by field into the executor's own types
// (integers checked, strings capped, unknown fields dropped), and what reaches
// the policy is then checked again by the executor like any proposal.
import path from 'node:path';
import type { DecidedBy } from '../audit/audit-log.js';
import type { LookRequest } from '../proc/look.js';
import type { Member } from '../proc/workload.js';
import type { DeciderRefusal } from './port.js';
import type { ExecContext, Proposal, TargetEntry } from './types.js';

export const OPS = ['look', 'breaker', 'precheck', 'refuse', 'execute', 'verify', 'abandon', 'expire', 'restore', 'reconcile', 'approve', 'undo', 'chain'] as const;
export type Op = typeof OPS[number];

export interface Request { readonly id: number; readonly op: Op; readonly args: Record<string, unknown> }
export type Reply = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string };

/** A request line longer than this is refused unread. */
export const MAX_REQUEST_BYTES = 1 << 20;

/** Beside the database: the socket's directory is the data directory, which only root and the group reach. */
export function executorSocket(dbFile: string): string {
  return path.join(path.dirname(path.resolve(dbFile)), 'executor.sock');
}

export class BadRequest extends Error {}

const bad = (what: string): never => { throw new BadRequest(what); };
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const int = (v: unknown, what: string): number => (Number.isSafeInteger(v) ? v as number : bad(`${what} must be an integer`));
const intOrNull = (v: unknown, what: string): number | null => (v === null || v === undefined ? null : int(v, what));
const str = (v: unknown, what: string, max: number): string => (typeof v === 'string' ? v.slice(0, max) : bad(`${what} must be a string`));
const ints = (v: unknown, what: string): number[] => (Array.isArray(v) ? v.map((x, i) => int(x, `${what}[${i}]`)) : bad(`${what} must be an array`));

export function parseRequest(line: string): Request {
  let v: unknown;
  try { v = JSON.parse(line); } catch { return bad('not JSON'); }
  if (!isObj(v)) return bad('a request is a JSON object');
  const id = int(v.id, 'id');
  if (typeof v.op !== 'string' || !(OPS as readonly string[]).includes(v.op)) return bad(`unknown op ${JSON.stringify(v.op)?.slice(0, 40)}`);
  return { id, op: v.op as Op, args: isObj(v.args) ? v.args : {} };
}

const DECIDERS: readonly DecidedBy[] = ['rules', 'model', 'operator'];

export function proposalFrom(v: unknown): Proposal {
  if (!isObj(v)) return bad('proposal must be an object');
  const decidedBy = DECIDERS.includes(v.decidedBy as DecidedBy) ? v.decidedBy as DecidedBy : bad('proposal.decidedBy must be rules, model or operator');
  // The operator decides through approve/undo, never by saying so in a proposal.
  if (decidedBy === 'operator') bad('proposal.decidedBy operator is not accepted here: use approve');
  const confidence = typeof v.confidence === 'number' && Number.isFinite(v.confidence) ? v.confidence : 0;
  return {
    action: str(v.action, 'proposal.action', 64), params: v.params ?? {},
    justification: typeof v.justification === 'string' ? v.justification.slice(0, 2000) : '',
    expectedEffect: typeof v.expectedEffect === 'string' ? v.expectedEffect.slice(0, 1000) : '',
    confidence: Math.min(1, Math.max(0, confidence)), decidedBy,
    model: typeof v.model === 'string' ? v.model.slice(0, 120) : null,
    signalIds: v.signalIds === undefined ? [] : ints(v.signalIds, 'proposal.signalIds').slice(0, 50),
  };
}

function memberFrom(v: unknown, what: string): Member {
  if (!isObj(v)) return bad(`${what} must be an object`);
  return { pid: int(v.pid, `${what}.pid`), startTime: int(v.startTime, `${what}.startTime`) };
}

function targetFrom(v: unknown, what: string): TargetEntry {
  if (!isObj(v)) return bad(`${what} must be an object`);
  const members = v.members === undefined ? undefined : Array.isArray(v.members) ? v.members.slice(0, 256).map((m, i) => memberFrom(m, `${what}.members[${i}]`)) : bad(`${what}.members must be an array`);
  return { pid: int(v.pid, `${what}.pid`), startTime: int(v.startTime, `${what}.startTime`), comm: str(v.comm ?? '', `${what}.comm`, 64), ...(members ? { members } : {}) };
}

/** The cycle's targets travel as [ref, entry] pairs; approvals are not a client's to claim (approvalOf is never read). */
export function contextFrom(v: unknown): ExecContext {
  if (!isObj(v)) return bad('ctx must be an object');
  const pairs = Array.isArray(v.targets) ? v.targets.slice(0, 512) : v.targets === undefined ? [] : bad('ctx.targets must be an array of [ref, target]');
  const targets = new Map<string, TargetEntry>();
  for (const [i, p] of pairs.entries()) {
    if (!Array.isArray(p) || p.length !== 2) bad(`ctx.targets[${i}] must be [ref, target]`);
    targets.set(str(p[0], `ctx.targets[${i}][0]`, 64), targetFrom(p[1], `ctx.targets[${i}][1]`));
  }
  return { cycleId: intOrNull(v.cycleId, 'ctx.cycleId'), targets, ...(v.queueOnly === true ? { queueOnly: true } : {}) };
}

export function contextTo(ctx: ExecContext): Record<string, unknown> {
  return { cycleId: ctx.cycleId, targets: [...ctx.targets.entries()], ...(ctx.queueOnly ? { queueOnly: true } : {}) };
}

export function lookFrom(v: Record<string, unknown>): LookRequest {
  const cands = Array.isArray(v.candidates) ? v.candidates.slice(0, 200) : bad('candidates must be an array');
  return {
    candidates: cands.map((c, i) => {
      if (!isObj(c)) return bad(`candidates[${i}] must be an object`);
      return { pid: int(c.pid, `candidates[${i}].pid`), startTime: intOrNull(c.startTime, `candidates[${i}].startTime`), signalIds: ints(c.signalIds ?? [], `candidates[${i}].signalIds`).slice(0, 50) };
    }),
    sampleMs: Math.min(10_000, Math.max(100, int(v.sampleMs, 'sampleMs'))),
    maxTargets: Math.min(20, Math.max(1, int(v.maxTargets, 'maxTargets'))),
  };
}

export function refusalFrom(v: unknown): DeciderRefusal {
  if (!isObj(v)) return bad('refusal must be an object');
  return {
    cycleId: intOrNull(v.cycleId, 'refusal.cycleId'), action: 'model_reply',
    refusedRule: str(v.refusedRule, 'refusal.refusedRule', 64).replace(/[^a-z_]/g, '_'),
    model: typeof v.model === 'string' ? v.model.slice(0, 120) : null, params: v.params ?? {}, note: str(v.note ?? '', 'refusal.note', 1000),
  };
}

export const argInt = int;
export const argInts = ints;
export const argStr = str;
export const argIntOrNull = intOrNull;
