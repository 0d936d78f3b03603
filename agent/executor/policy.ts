// The executor policy: deny list, scope, dry-run, cooldown and hourly budget,
// the circuit breaker, VERIFY's windows and whether a neutral result is kept.
// The agent builds it from its flags and writes it to <db dir>/policy.json when
// it starts; every other path that acts (`npm run actions -- --approve/--undo`,
// chat's /approve and /undo) reads it from there, so a person approving runs
// under the same rules as the agent. No file: the defaults, and callers say so.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import { unsafeFile } from '../../lib/private-files.js';
import { DEFAULT_EXECUTOR_CONFIG, type ExecutorConfig } from './types.js';

export const POLICY_FILE = 'policy.json';

export function policyPath(dbFile: string): string {
  return path.join(path.dirname(dbFile), POLICY_FILE);
}

const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 80);
type Obj = Record<string, unknown>;

/** The agent's command-line flags that make up its policy (seconds where the flags use seconds). */
export interface PolicyFlags {
  readonly dryRun: boolean;
  /** Comma-separated process names, "name" or "prefix*". */
  readonly deny: string;
  /** Comma-separated uids. */
  readonly denyUids?: string;
  readonly scopePid?: number;
  readonly settleS: number;
  readonly measureS: number;
  readonly keepNeutral: boolean;
  readonly cooldownS: number;
  readonly hourlyBudget: number;
}

const DENY_ENTRY = /^[^\x00-\x1f\x7f,]{1,64}$/;

function checkDenyEntry(d: unknown, where: string): string {
  if (typeof d !== 'string' || !DENY_ENTRY.test(d)) throw new Error(`${where}: deny list entry ${show(d)} is not a process name ("name" or "prefix*")`);
  return d;
}

/** "a, b,prefix*" -> ['a', 'b', 'prefix*']; throws on an entry that cannot be a process name. */
export function parseDenyList(s: string, where = '--deny'): string[] {
  return s.split(',').map((x) => x.trim()).filter(Boolean).map((d) => checkDenyEntry(d, where));
}

/** "0, 105" -> [0, 105]; throws on anything that is not a uid. */
export function parseUids(s: string, where = '--deny-uid'): number[] {
  return s.split(',').map((x) => x.trim()).filter(Boolean).map((x) => {
    const n = Number(x);
    if (!/^\d+$/.test(x) || n > 0xffffffff) throw new Error(`${where}: ${show(x)} is not a uid`);
    return n;
  });
}

/** The executor configuration for these flags; throws on a value no rule could use. */
export function policyFromFlags(f: PolicyFlags, base: ExecutorConfig = DEFAULT_EXECUTOR_CONFIG): ExecutorConfig {
  return validatePolicy({
    ...base,
    dryRun: f.dryRun,
    denyList: parseDenyList(f.deny),
    denyUids: parseUids(f.denyUids ?? ''),
    ...(f.scopePid !== undefined ? { scopePid: f.scopePid } : {}),
    settleMs: f.settleS * 1000,
    measureMs: f.measureS * 1000,
    keepNeutral: f.keepNeutral,
    limits: { cooldownS: f.cooldownS, hourlyBudget: f.hourlyBudget },
  }, 'agent flags');
}

function object(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where} must be an object, got ${show(v)}`);
  return v as Obj;
}

function onlyKeys(o: Obj, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new Error(`${where}: unknown field ${show(k)}`);
}

function num(o: Obj, key: string, where: string, min: number, integer = false): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new Error(`${where}: ${key} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${show(v)}`);
  }
  return v;
}

function bool(o: Obj, key: string, where: string): boolean {
  if (typeof o[key] !== 'boolean') throw new Error(`${where}: ${key} must be true or false, got ${show(o[key])}`);
  return o[key];
}

/** Check every field of a policy (from a file or from flags); the error names the bad value. */
export function validatePolicy(raw: unknown, where: string): ExecutorConfig {
  const o = object(raw, where);
  onlyKeys(o, ['dryRun', 'denyList', 'denyUids', 'scopePid', 'limits', 'breaker', 'settleMs', 'measureMs', 'approvalTtlS', 'keepNeutral', 'actWithoutVictim'], where);
  const deny = o.denyList;
  if (!Array.isArray(deny)) throw new Error(`${where}: denyList must be a list of process names, got ${show(deny)}`);
  for (const d of deny) checkDenyEntry(d, where);
  const limits = object(o.limits, `${where}: limits`);
  onlyKeys(limits, ['cooldownS', 'hourlyBudget'], `${where}: limits`);
  const breaker = object(o.breaker, `${where}: breaker`);
  onlyKeys(breaker, ['threshold', 'windowS', 'cooloffS'], `${where}: breaker`);
  if (o.scopePid !== undefined) num(o, 'scopePid', where, 1, true);
  const uids = o.denyUids ?? [];
  if (!Array.isArray(uids) || uids.some((u) => !Number.isInteger(u) || u < 0 || u > 0xffffffff)) throw new Error(`${where}: denyUids must be a list of uids, got ${show(uids)}`);
  return {
    dryRun: bool(o, 'dryRun', where),
    denyList: deny as string[],
    denyUids: uids as number[],
    ...(o.scopePid !== undefined ? { scopePid: o.scopePid as number } : {}),
    limits: { cooldownS: num(limits, 'cooldownS', `${where}: limits`, 0), hourlyBudget: num(limits, 'hourlyBudget', `${where}: limits`, 0, true) },
    breaker: {
      threshold: num(breaker, 'threshold', `${where}: breaker`, 1, true),
      windowS: num(breaker, 'windowS', `${where}: breaker`, 1),
      cooloffS: num(breaker, 'cooloffS', `${where}: breaker`, 0),
    },
    settleMs: num(o, 'settleMs', where, 0),
    measureMs: num(o, 'measureMs', where, 0),
    approvalTtlS: num(o, 'approvalTtlS', where, 1),
    keepNeutral: o.keepNeutral === undefined ? false : bool(o, 'keepNeutral', where),
    ...(o.actWithoutVictim === undefined ? {} : { actWithoutVictim: bool(o, 'actWithoutVictim', where) }),
  };
}

interface PolicyDocument {
  readonly writtenBy: { readonly component: string; readonly pid: number; readonly at: string };
  readonly executor: ExecutorConfig;
}

/** Written by the agent at start: root-only (0600), replaced atomically. Returns the path. */
export function writePolicy(dbFile: string, cfg: ExecutorConfig, component = 'agent'): string {
  const file = policyPath(dbFile);
  const doc: PolicyDocument = { writtenBy: { component, pid: process.pid, at: new Date().toISOString() }, executor: validatePolicy(cfg, 'policy') };
  writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`, 0o600);
  return file;
}

export interface LoadedPolicy {
  readonly config: ExecutorConfig;
  readonly file: string;
  readonly found: boolean;
  /** One line for the person: where the rules came from. */
  readonly notice: string;
}

/** The policy next to this database; the defaults when there is none. A file that does not validate throws. */
export function readPolicy(dbFile: string): LoadedPolicy {
  const file = policyPath(dbFile);
  let text: string;
  try {
    // What root acts under must be what root (or we) wrote: not a file or a
    // directory someone else could have changed.
    const unsafe = unsafeFile(file);
    if (unsafe) throw new Error(`refusing the executor policy: ${unsafe}`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the executor policy ${file}: ${(e as Error).message}`);
    return { config: DEFAULT_EXECUTOR_CONFIG, file, found: false, notice: `no agent policy at ${file}: the default policy applies (no deny list, no scope)` };
  }
  let doc: Obj;
  try {
    doc = object(JSON.parse(text), file);
  } catch (e) {
    throw new Error(`executor policy ${file} is not valid JSON: ${(e as Error).message}`);
  }
  onlyKeys(doc, ['writtenBy', 'executor'], file);
  const config = validatePolicy(doc.executor, file);
  const by = doc.writtenBy as Partial<PolicyDocument['writtenBy']> | undefined;
  const scope = config.scopePid !== undefined ? `scope pid ${config.scopePid}` : 'no scope';
  return {
    config, file, found: true,
    notice: `policy: ${file} (written by the ${by?.component ?? '?'}, pid ${by?.pid ?? '?'}, at ${by?.at ?? '?'}; deny [${config.denyList.join(', ')}]${config.denyUids?.length ? `, deny uids [${config.denyUids.join(', ')}]` : ''}, ${scope}${config.dryRun ? ', dry-run' : ''})`,
  };
}

/**
 * What a person's command may add to the agent's policy: it can only narrow what
 * may be touched (more names denied, a scope where the agent had none) and set
 * VERIFY's windows. A scope different from the agent's is refused: both cannot hold.
 */
export interface PolicyOverrides {
  readonly denyList?: readonly string[];
  readonly denyUids?: readonly number[];
  readonly scopePid?: number;
  readonly settleMs?: number;
  readonly measureMs?: number;
}

export function operatorPolicy(dbFile: string, o: PolicyOverrides = {}): LoadedPolicy {
  const p = readPolicy(dbFile);
  const c = p.config;
  if (o.scopePid !== undefined && c.scopePid !== undefined && o.scopePid !== c.scopePid) {
    throw new Error(`scope pid ${o.scopePid} conflicts with the agent's policy (scope pid ${c.scopePid}) in ${p.file}`);
  }
  const config = validatePolicy({
    ...c,
    denyList: [...new Set([...c.denyList, ...(o.denyList ?? [])])],
    denyUids: [...new Set([...(c.denyUids ?? []), ...(o.denyUids ?? [])])],
    ...(o.scopePid !== undefined ? { scopePid: o.scopePid } : {}),
    ...(o.settleMs !== undefined ? { settleMs: o.settleMs } : {}),
    ...(o.measureMs !== undefined ? { measureMs: o.measureMs } : {}),
  }, 'policy with command-line additions');
  return { ...p, config };
}
