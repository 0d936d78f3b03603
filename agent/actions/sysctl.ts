// set_sysctl: one of a few kernel tunables, within bounds, written straight to
// /proc/sys (no sysctl binary, no shell). Keys off the allowlist never get here:
// the parameter is an enum, and the path is built from the allowlisted key only.
import fs from 'node:fs';
import { readSysctl as readSysctlText, sysctlFile } from '../../lib/procfs/sysctl.js';
import { judgeRate, judgeStall } from './judge.js';
import type { ActionHandler, Judgement, Measurement, Target } from './types.js';

export interface SysctlRule { readonly min: number; readonly max: number; readonly why: string }

/** The allowlist and its bounds: values outside are refused whatever asked for them. */
export const SYSCTL_ALLOWLIST: Readonly<Record<string, SysctlRule>> = {
  'vm.swappiness': { min: 10, max: 100, why: 'how eagerly anonymous memory is swapped' },
  'vm.dirty_ratio': { min: 5, max: 60, why: 'percent of memory dirty before writers block' },
  'vm.dirty_background_ratio': { min: 2, max: 40, why: 'percent of memory dirty before background writeback' },
  'net.ipv4.tcp_fin_timeout': { min: 10, max: 120, why: 'seconds an orphaned connection stays in FIN_WAIT2' },
  'net.ipv4.tcp_max_syn_backlog': { min: 128, max: 65536, why: 'half-open connections queued per listener' },
  'net.core.somaxconn': { min: 128, max: 65535, why: 'accept queue length cap' },
};

export function sysctlPath(key: string): string {
  if (!Object.hasOwn(SYSCTL_ALLOWLIST, key)) throw new Error(`sysctl ${JSON.stringify(key)} is not on the allowlist`);
  return sysctlFile(key);
}

export function readSysctl(key: string): number | null {
  const text = Object.hasOwn(SYSCTL_ALLOWLIST, key) ? readSysctlText(key) : null;
  const n = Number(text);
  return text !== null && Number.isFinite(n) ? n : null;
}

function keyOf(t: Target): string {
  if (t.kind !== 'sysctl') throw new Error(`expected a sysctl target, got ${t.kind}`);
  return t.key;
}

function judgeKey(key: string, before: Measurement, after: Measurement): Judgement {
  if (key === 'vm.swappiness') return judgeRate(before, after, 'swapPagesPerS', 'memStallPct', 100);
  if (key.startsWith('vm.dirty')) return judgeStall(before, after, 'ioStallPct');
  if (key === 'net.ipv4.tcp_fin_timeout') return judgeStall(before, after, 'cpuStallPct', 'fin_timeout acts over minutes; only "not worse" is checked');
  return judgeRate(before, after, 'listenDropsPerS', 'cpuStallPct', 1);
}

export const sysctl: ActionHandler = {
  spec: {
    name: 'set_sysctl',
    description: 'Set one allowlisted kernel tunable within its bounds: ' +
      Object.entries(SYSCTL_ALLOWLIST).map(([k, r]) => `${k} ${r.min}..${r.max} (${r.why})`).join('; ') + '.',
    risk: 'medium',
    needsApproval: false,
    reversible: true,
    targetKind: 'sysctl',
    params: {
      key: { kind: 'enum', values: Object.keys(SYSCTL_ALLOWLIST), description: 'the tunable' },
      value: { kind: 'int', min: 2, max: 65536, description: 'new value; must be inside the bounds for the key' },
    },
  },
  async readPrior(t) {
    return { value: readSysctl(keyOf(t)) };
  },
  check(t, params, prior) {
    const key = keyOf(t);
    const rule = SYSCTL_ALLOWLIST[key]!;
    const v = Number(params.value);
    if (v < rule.min || v > rule.max) return { rule: 'param_out_of_range', detail: `${key}=${v} outside ${rule.min}..${rule.max}` };
    if (prior.value === null) return { rule: 'sysctl_unreadable', detail: `cannot read ${sysctlPath(key)}` };
    if (prior.value === v) return { rule: 'already_applied', detail: `${key} is already ${v}` };
    if (key === 'vm.dirty_background_ratio' && v >= (readSysctl('vm.dirty_ratio') ?? 100)) {
      return { rule: 'inconsistent_value', detail: `dirty_background_ratio ${v} must stay below dirty_ratio` };
    }
    if (key === 'vm.dirty_ratio' && v <= (readSysctl('vm.dirty_background_ratio') ?? 0)) {
      return { rule: 'inconsistent_value', detail: `dirty_ratio ${v} must stay above dirty_background_ratio` };
    }
    return null;
  },
  describe(t, params) {
    return `write "${Number(params.value)}" to ${sysctlPath(keyOf(t))}`;
  },
  async apply(t, params) {
    fs.writeFileSync(sysctlPath(keyOf(t)), String(Number(params.value)));
  },
  async rollback(t, _params, prior) {
    fs.writeFileSync(sysctlPath(keyOf(t)), String(Number(prior.value)));
  },
  async isApplied(t, params) {
    return readSysctl(keyOf(t)) === Number(params.value);
  },
  judge: (before, after, t) => judgeKey(keyOf(t), before, after),
  estimate({ params, sysctls, rationale }) {
    const key = String(params.key);
    return { metric: key, from: sysctls[key] ?? null, to: Number(params.value),
      expectedEffect: `${key} ${sysctls[key]} -> ${String(params.value)}; ${rationale.split('; ').pop()}` };
  },
};
