// Candidate actions per cause, in order of preference (lowest risk first): what
// SIMULATE estimates and the model is shown, and what the rules pick from (DECIDE
// takes the first that is not pointless: already in effect, target on cooldown).
import { atLeast } from '../../lib/severity.js';
import type { Db } from '../../lib/db.js';
import { targetKey } from '../actions/types.js';
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


function cpuCandidates(c: Cause, t: ObservedTarget): Candidate[] {
  const out: Candidate[] = [];
  // Past nice 10 a renice buys little (weight 110 -> 36 at 15): under severe pressure a quota does.
  if (t.nice >= 10 && atLeast(c.maxSeverity, 'high')) {
    const quota = Math.max(10, Math.min(90, Math.round(t.cpuPct / 2 / 10) * 10));
    out.push({ causeId: c.id, action: 'throttle_cpu', params: { target: t.ref, quota_pct: quota },
      rationale: `${t.ref} still burns ${t.cpuPct}% of one cpu at nice ${t.nice}; a ${quota}% quota caps it` });
  }
  if (t.nice < 19) {
    const nice = t.nice < 10 ? 10 : Math.min(19, t.nice + 5);
    out.push({ causeId: c.id, action: 'lower_process_priority', params: { target: t.ref, nice },
      rationale: `${t.ref} burns ${t.cpuPct}% of one cpu at nice ${t.nice}; nice ${nice} lets competing work run first without stopping it` });
  }
  return out;
}

export function candidatesFor(c: Cause, obs: Observation): Candidate[] {
  const t = c.targetRef ? obs.targets.find((x) => x.ref === c.targetRef) : undefined;
  const sc = obs.sysctls;
  switch (c.kind) {
    case 'cpu_hog': return t ? cpuCandidates(c, t) : [];
    case 'io_hog': {
      if (!t) return [];
      const idle = c.maxSeverity === 'critical';
      return [{ causeId: c.id, action: 'lower_io_priority', params: { target: t.ref, io_class: idle ? 'idle' : 'best-effort', level: 7 },
        rationale: `${t.ref} moves ${Math.round(t.ioBytesPerS / 1024)} KiB/s; ${idle ? 'idle class serves it only when the disk is otherwise idle' : 'best-effort level 7 serves it after other I/O'}` }];
    }
    case 'memory_hog': {
      if (!t || !atLeast(c.maxSeverity, 'high')) return [];
      return [{ causeId: c.id, action: 'pause_process', params: { target: t.ref, duration_s: 120 },
        rationale: `${t.ref} holds ${t.memPct}% of RAM under ${c.maxSeverity} memory pressure; pausing it for 120s stops its growth while a person decides (needs approval)` }];
    }
    case 'swap': {
      const cur = sc['vm.swappiness'];
      if (cur === null || cur === undefined || cur <= 10) return [];
      const value = Math.max(10, Math.floor(cur / 2));
      return [{ causeId: c.id, action: 'set_sysctl', params: { key: 'vm.swappiness', value },
        rationale: `swapping under pressure with vm.swappiness ${cur}; ${value} makes the kernel prefer reclaiming page cache over swapping anonymous memory` }];
    }
    case 'dirty_writeback': {
      const cur = sc['vm.dirty_background_ratio'];
      if (cur === null || cur === undefined || cur <= 2) return [];
      const value = Math.max(2, Math.floor(cur / 2));
      return [{ causeId: c.id, action: 'set_sysctl', params: { key: 'vm.dirty_background_ratio', value },
        rationale: `large dirty backlog with dirty_background_ratio ${cur}; ${value} starts background writeback earlier, in smaller bursts` }];
    }
    case 'tcp_fin_wait': {
      const cur = sc['net.ipv4.tcp_fin_timeout'];
      if (cur === null || cur === undefined || cur <= 15) return [];
      const value = Math.max(10, Math.floor(cur / 2));
      return [{ causeId: c.id, action: 'set_sysctl', params: { key: 'net.ipv4.tcp_fin_timeout', value },
        rationale: `many closing connections with tcp_fin_timeout ${cur}s; ${value}s frees orphaned FIN_WAIT2 sockets sooner` }];
    }
    case 'tcp_backlog': {
      const out: Candidate[] = [];
      const syn = sc['net.ipv4.tcp_max_syn_backlog'];
      const som = sc['net.core.somaxconn'];
      if (typeof syn === 'number' && syn < 65536) out.push({ causeId: c.id, action: 'set_sysctl', params: { key: 'net.ipv4.tcp_max_syn_backlog', value: Math.min(65536, syn * 2) },
        rationale: `half-open connections pile up with tcp_max_syn_backlog ${syn}; doubling it queues more before dropping` });
      if (typeof som === 'number' && som < 65535) out.push({ causeId: c.id, action: 'set_sysctl', params: { key: 'net.core.somaxconn', value: Math.min(65535, som * 2) },
        rationale: `listen queues overflow with somaxconn ${som}; doubling it lets listeners queue more` });
      return out;
    }
    case 'unattributed': return [];
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
  return t ? targetKey({ kind: 'process', ref: t.ref, pid: t.pid, startTime: t.startTime, comm: t.comm }) : 'system';
}
