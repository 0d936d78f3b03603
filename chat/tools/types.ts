// A chat tool: read-only, typed arguments (checked here, because a model chose
// them), and a bounded JSON-able result.
import type { Db } from '../../lib/db.js';

export interface ToolContext {
  readonly db: Db;
  readonly nowS: () => number;
  readonly signal?: AbortSignal;
}

export type ParamSchema =
  | { readonly type: 'integer' | 'number'; readonly description: string; readonly minimum: number; readonly maximum: number }
  | { readonly type: 'string'; readonly description: string; readonly enum?: readonly string[]; readonly maxLength?: number };

export type ToolArgs = Readonly<Record<string, unknown>>;

export interface ChatTool {
  readonly name: string;
  readonly description: string;
  readonly params: Readonly<Record<string, ParamSchema>>;
  readonly required?: readonly string[];
  run(ctx: ToolContext, args: ToolArgs): Promise<unknown>;
}

/** A bad argument: the message goes back to the model so it can correct the call. */
export class ToolArgError extends Error {}

const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 60);

export function intArg(args: ToolArgs, key: string, dflt: number, min: number, max: number): number {
  const raw = args[key];
  if (raw === undefined || raw === null || raw === '') return dflt;
  const n = typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ToolArgError(`${key} must be a number, got ${show(raw)}`);
  return Math.min(max, Math.max(min, Math.round(n)));
}

export function strArg(args: ToolArgs, key: string, maxLen = 100): string | undefined {
  const raw = args[key];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new ToolArgError(`${key} must be a string, got ${show(raw)}`);
  if (raw.length > maxLen) throw new ToolArgError(`${key} is longer than ${maxLen} characters`);
  return raw;
}

export function enumArg<T extends string>(args: ToolArgs, key: string, values: readonly T[], dflt: T): T {
  const v = strArg(args, key, 40);
  if (v === undefined) return dflt;
  if (!(values as readonly string[]).includes(v)) throw new ToolArgError(`${key} must be one of ${values.join(', ')}, got ${show(v)}`);
  return v as T;
}
