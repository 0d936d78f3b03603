// set_sysctl: one of a few kernel tunables, within bounds, written straight to
// /proc/sys (no sysctl binary, no shell). Keys off the allowlist never get here:
// the parameter is an enum, and the path is built from the allowlisted key only.
import fs from 'node:fs';
import { readSysctl as readSysctlText, sysctlFile } from '../../lib/procfs/sysctl.js';
import { HARMS, judgeHarm } from './judge.js';
import type { ActionHandler, Judgement, Measurement, Target } from './types.js';

export interface SysctlRule { readonly min: number; readonly max: number; readonly why: string }

/**
 * The allowlist and its bounds: values outside are refused whatever asked for them.
 * Only tunables whose change acts on a running system (test/agent/mechanisms.test.ts
 * shows each one moving its metric). Left out on purpose: net.core.somaxconn (read
 * once, at listen(): existing listeners keep their queue), net.ipv4.tcp_fin_timeout
 * (orphaned FIN_WAIT2 only; TIME_WAIT lasts a fixed 60 s), vm.swappiness (per cgroup
 * on v1, and no mechanism test on a host without swap), tcp_max_syn_backlog (moot
 * with SYN cookies on).
 */
export const SYSCTL_ALLOWLIST: Readonly<Record<string, SysctlRule>> = {
  'vm.dirty_ratio': { min: 5, max: 60, why: 'percent of memory dirty before writers block' },
  'vm.dirty_background_ratio': { min: 2, max: 40, why: 'percent of memory dirty before background writeback' },
};

/**
 * Tunables the kernel keeps as a pair, only one of which is in force: writing
 * vm.dirty_ratio zeroes vm.dirty_bytes and the other way round (the background
 * pair likewise). The partner is read-only to us: recorded and written back, never set.
 */
export const SYSCTL_PAIRS: Readonly<Record<string, string>> = {
  'vm.dirty_ratio': 'vm.dirty_bytes',
  'vm.dirty_background_ratio': 'vm.dirty_background_bytes',
};

const PARTNERS = new Set(Object.values(SYSCTL_PAIRS));

export function sysctlPath(key: string): string {
  if (!Object.hasOwn(SYSCTL_ALLOWLIST, key) && !PARTNERS.has(key)) throw new Error(`sysctl ${JSON.stringify(key)} is not on the allowlist`);
  return sysctlFile(key);
}

export function readSysctl(key: string): number | null {
  const text = Object.hasOwn(SYSCTL_ALLOWLIST, key) || PARTNERS.has(key) ? readSysctlText(key) : null;
  const n = Number(text);
  return text !== null && Number.isFinite(n) ? n : null;
}

function keyOf(t: Target): string {
  if (t.kind !== 'sysctl') throw new Error(`expected a sysctl target, got ${t.kind}`);
  return t.key;
}

function judgeKey(key: string, before: Measurement, after: Measurement): Judgement {
  // Both ratios decide how much dirty page cache builds up before writeback starts / writers block.
  return judgeHarm(before, after, HARMS.dirty, `io stall ${before.system.ioStallPct ?? '?'}% -> ${after.system.ioStallPct ?? '?'}% (${key})`);
}

export const sysctl: ActionHandler = {
  spec: {
    name: 'set_sysctl',
    description: 'Set one allowlisted kernel tunable within its bounds: ' +
      Object.entries(SYSCTL_ALLOWLIST).map(([k, r]) => `${k} ${r.min}..${r.max} (${r.why})`).join('; ') + '.',
    condition: 'a large dirty page-cache backlog written back in bursts that stall other I/O',
    mechanism: 'the writeback thresholds in /proc/sys/vm: background writeback starts at dirty_background_ratio, writers are throttled at dirty_ratio; acts at once on the running system',
    switchback: false,
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
    const key = keyOf(t);
    const partner = SYSCTL_PAIRS[key];
    return partner ? { value: readSysctl(key), pair: { key: partner, value: readSysctl(partner) } } : { value: readSysctl(key) };
  },
  check(t, params, prior) {
    const key = keyOf(t);
    const rule = SYSCTL_ALLOWLIST[key]!;
    const v = Number(params.value);
    if (v < rule.min || v > rule.max) return { rule: 'param_out_of_range', detail: `${key}=${v} outside ${rule.min}..${rule.max}` };
    if (prior.value === null) return { rule: 'sysctl_unreadable', detail: `cannot read ${sysctlPath(key)}` };
    if (prior.value === v) return { rule: 'already_applied', detail: `${key} is already ${v}` };
    // A ratio that reads 0 is not in force (its _bytes partner is): nothing to compare with.
    const dirtyRatio = readSysctl('vm.dirty_ratio') || 100;
    if (key === 'vm.dirty_background_ratio' && v >= dirtyRatio) {
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
    const key = keyOf(t);
    const pair = prior.pair as { key: string; value: number | null } | undefined;
    // Of a pair, write back the one that was in force: writing it zeroes the other, as before.
    if (pair && Number(prior.value) === 0 && pair.key === SYSCTL_PAIRS[key] && Number(pair.value) > 0) {
      fs.writeFileSync(sysctlPath(pair.key), String(Number(pair.value)));
      return;
    }
    fs.writeFileSync(sysctlPath(key), String(Number(prior.value)));
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
