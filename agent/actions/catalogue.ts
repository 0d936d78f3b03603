// The only things the agent can do. Whatever decides (rules or a model) names one
// of these and gives parameters; validateParams turns untrusted input into typed,
// bounded values or a refusal that says which value was wrong.
import { cpuQuota } from './cpu-quota.js';
import { cpuWeight } from './cpu-weight.js';
import { dropCaches } from './drop-caches.js';
import { ionice } from './ionice.js';
import { ioThrottle } from './io-throttle.js';
import { renice } from './renice.js';
import { pause, resume, terminate } from './signal.js';
import { sysctl } from './sysctl.js';
import type { ActionHandler, Params, Refusal } from './types.js';

export const CATALOGUE: Readonly<Record<string, ActionHandler>> = Object.freeze(
  Object.fromEntries([renice, cpuWeight, cpuQuota, ionice, ioThrottle, sysctl, pause, resume, terminate, dropCaches].map((h) => [h.spec.name, h])),
);

export function lookupAction(name: unknown): ActionHandler | undefined {
  return typeof name === 'string' && Object.hasOwn(CATALOGUE, name) ? CATALOGUE[name] : undefined;
}

const show = (v: unknown) => JSON.stringify(v)?.slice(0, 80) ?? String(v);

/** Check raw parameters against the spec: exact keys, types, enums and bounds. */
export function validateParams(h: ActionHandler, raw: unknown): { params: Params } | { refusal: Refusal } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { refusal: { rule: 'invalid_params', detail: `parameters must be an object, got ${show(raw)}` } };
  }
  const input = raw as Record<string, unknown>;
  const out: Record<string, string | number> = {};
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(h.spec.params, key)) return { refusal: { rule: 'invalid_params', detail: `unknown parameter ${show(key)} for ${h.spec.name}` } };
  }
  for (const [key, spec] of Object.entries(h.spec.params)) {
    const v = input[key];
    if (v === undefined) return { refusal: { rule: 'invalid_params', detail: `missing parameter ${key}` } };
    switch (spec.kind) {
      case 'target':
        if (typeof v !== 'string' || !/^t\d{1,4}$/.test(v)) return { refusal: { rule: 'unknown_target', detail: `${key} must be a target reference like "t1", got ${show(v)}` } };
        out[key] = v;
        break;
      case 'int': {
        const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n)) return { refusal: { rule: 'invalid_params', detail: `${key} must be an integer, got ${show(v)}` } };
        if (n < spec.min || n > spec.max) return { refusal: { rule: 'param_out_of_range', detail: `${key}=${n} outside ${spec.min}..${spec.max}` } };
        out[key] = n;
        break;
      }
      case 'enum':
        if (typeof v !== 'string' || !spec.values.includes(v)) {
          const rule = h.spec.targetKind === 'sysctl' && key === 'key' ? 'sysctl_not_allowed' : 'invalid_params';
          return { refusal: { rule, detail: `${key}=${show(v)} is not one of ${spec.values.join(', ')}` } };
        }
        out[key] = v;
        break;
    }
  }
  return { params: out };
}
