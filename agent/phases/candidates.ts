// Candidate actions per cause, in order of preference (lowest risk first): what
// SIMULATE estimates and the model is shown, and what the rules pick from (DECIDE
// takes the first that is not pointless: already in effect, target on cooldown).
import { atLeast } from '../../lib/severity.js';
import type { Db } from '../../lib/db.js';
import { lookupAction } from '../actions/catalogue.js';
import { autogroupProblem } from '../actions/mechanism.js';
import { targetKey, type Target } from '../actions/types.js';
import { lastActedAt } from '../executor/rate-limits.js';
import type { Cause } from './explain.js';
import type { Observation, ObservedTarget } from './observe.js';

export interface Candidate {
  readonly causeId: string;
  readonly action: string;
  readonly params: Record<string, string | number>;
  /** Why this action fits this cause, in words a person can check against the numbers. */
  readonly rationale: string;
}


/** The process target a candidate names, as the executor will build it (with its workload). */
function asTarget(t: ObservedTarget): Target {
  return { kind: 'process', ref: t.ref, pid: t.pid, startTime: t.startTime, comm: t.comm, ...(t.members ? { members: t.members } : {}) };
}

/** Below this CPU stall (PSI some, %) with a low signal nobody is waiting for the CPU: a CPU action has no victim to help. */
const NOBODY_WAITS_STALL_PCT = 5;

function cpuCandidates(c: Cause, t: ObservedTarget, obs: Observation): Candidate[] {
  const out: Candidate[] = [];
  const stall = obs.system.cpuStallPct;
  if (c.maxSeverity === 'low' && stall !== undefined && stall < NOBODY_WAITS_STALL_PCT) return [];
  const who = `${t.ref}${(t.members?.length ?? 1) > 1 ? ` (${t.members!.length} processes)` : ''}`;
  const quota = Math.max(10, Math.min(90, Math.round(t.cpuPct / 2 / 10) * 10));
  const throttle: Candidate = { causeId: c.id, action: 'throttle_cpu', params: { target: t.ref, quota_pct: quota },
    rationale: `${who} burns ${t.cpuPct}% of one cpu; a ${quota}% quota caps it` };
  const niceBlocked = autogroupProblem(t.pid, t.autogroup ?? null);
  if (niceBlocked) {
    // Nice does not cross autogroups: the cgroup weight does.
    out.push({ causeId: c.id, action: 'lower_cpu_weight', params: { target: t.ref, weight_pct: 10 },
      rationale: `${who} burns ${t.cpuPct}% of one cpu; ${niceBlocked.detail.split(':')[0]}, so its cgroup weight drops to 10% of the default and competing work runs first` });
    if (atLeast(c.maxSeverity, 'high')) out.push(throttle);
    return out;
  }
  // Past nice 10 a renice buys little (weight 110 -> 36 at 15): under severe pressure a quota does.
  if (t.nice >= 10 && atLeast(c.maxSeverity, 'high')) out.push(throttle);
  if (t.nice < 19) {
    const nice = t.nice < 10 ? 10 : Math.min(19, t.nice + 5);
    out.push({ causeId: c.id, action: 'lower_process_priority', params: { target: t.ref, nice },
      rationale: `${who} burns ${t.cpuPct}% of one cpu at nice ${t.nice}; nice ${nice} lets competing work run first without stopping it` });
  }
  return out;
}

function ioCandidates(c: Cause, t: ObservedTarget, obs: Observation): Candidate[] {
  const who = `${t.ref} moves ${Math.round(t.ioBytesPerS / 1024)} KiB/s`;
  // Half of what reaches the disk: a process's write_bytes count buffered writes when
  // they are dirtied, which can be far above what its disk actually moves.
  const diskBps = (t.disks ?? []).reduce((s, d) => s + 1024 * ((obs.disks?.[d.name]?.readKbPerS ?? 0) + (obs.disks?.[d.name]?.writeKbPerS ?? 0)), 0);
  const rate = diskBps > 0 ? Math.min(t.ioBytesPerS, diskBps) : t.ioBytesPerS;
  const limit = Math.max(1, Math.min(1024, Math.round(rate / 2 / (1 << 20))));
  const throttle: Candidate = { causeId: c.id, action: 'throttle_io', params: { target: t.ref, mib_per_s: limit },
    rationale: `${who}; a ${limit} MiB/s limit on its cgroup (half its rate) leaves the disk to the others, on any I/O scheduler` };
  const idle: Candidate = { causeId: c.id, action: 'lower_io_priority', params: { target: t.ref, io_class: 'idle', level: 7 },
    rationale: `${who}; the idle class serves it only when the disk is otherwise idle` };
  // Cheapest first where the scheduler orders by priority (BFQ); elsewhere a bandwidth limit.
  const onBfq = (t.disks ?? []).length > 0 && t.disks.every((d) => d.scheduler === 'bfq');
  return onBfq ? [idle, throttle] : [throttle];
}

/** Candidates whose mechanism works for their target on this host; the others are noted, not proposed. */
export function applicable<C extends Candidate>(cands: readonly C[], obs: Observation, notes: string[]): C[] {
  return cands.filter((cand) => {
    const h = lookupAction(cand.action);
    const t = obs.targets.find((x) => x.ref === cand.params.target);
    const why = h?.applies && t ? h.applies(asTarget(t), cand.params) : null;
    if (why) notes.push(`${cand.causeId}: ${cand.action} not proposed: ${why.detail}`);
    return why === null;
  });
}

export function candidatesFor(c: Cause, obs: Observation): Candidate[] {
  const t = c.targetRef ? obs.targets.find((x) => x.ref === c.targetRef) : undefined;
  const sc = obs.sysctls;
  switch (c.kind) {
    case 'cpu_hog': return t ? cpuCandidates(c, t, obs) : [];
    case 'io_hog': return t ? ioCandidates(c, t, obs) : [];
    case 'memory_hog': {
      if (!t || !atLeast(c.maxSeverity, 'high')) return [];
      return [{ causeId: c.id, action: 'pause_process', params: { target: t.ref, duration_s: 120 },
        rationale: `${t.ref} holds ${t.memPct}% of RAM under ${c.maxSeverity} memory pressure; pausing it for 120s stops its growth while a person decides (needs approval)` }];
    }
    case 'dirty_writeback': {
      const cur = sc['vm.dirty_background_ratio'];
      if (cur === null || cur === undefined || cur <= 2) return [];
      const value = Math.max(2, Math.floor(cur / 2));
      return [{ causeId: c.id, action: 'set_sysctl', params: { key: 'vm.dirty_background_ratio', value },
        rationale: `large dirty backlog with dirty_background_ratio ${cur}; ${value} starts background writeback earlier, in smaller bursts` }];
    }
    // Advice only (Cause.advice): no tunable in the catalogue acts on these.
    case 'swap': case 'tcp_fin_wait': case 'tcp_backlog': case 'lock_convoy': case 'io_reader': case 'unattributed': return [];
  }
}

/** Cooldown as the executor will see it, so the rules do not propose what it must refuse. */
export function onCooldown(db: Db, key: string, cooldownS: number, nowS: number): boolean {
  const last = lastActedAt(db, key);
  return last !== null && nowS - last < cooldownS;
}

export function candidateKey(cand: Candidate, obs: Observation): string {
  if (typeof cand.params.key === 'string') return `sysctl:${cand.params.key}`;
  const t = obs.targets.find((x) => x.ref === cand.params.target);
  return t ? targetKey(asTarget(t)) : 'system';
}
