// OBSERVE: open signals, the processes behind them, live measurements of the
// system, the latest metrics, baselines and recent series. Processes get opaque
// references (t1, t2, ...) here; from now on deciders see only those and numbers.
import type { Db } from '../../lib/db.js';
import { readMeminfo } from '../../lib/procfs/meminfo.js';
import { detectCpuCgroup } from '../actions/cgroup.js';
import { SYSCTL_ALLOWLIST } from '../actions/sysctl.js';
import { readSysctl } from '../../lib/procfs/sysctl.js';
import type { ActionPort } from '../executor/port.js';
import type { TargetEntry } from '../executor/types.js';
import type { LookCandidate, ObservedTarget } from '../proc/look.js';
import type { SystemWindow } from '../proc/system.js';
import { baselines } from '../../lib/read-model/baselines.js';
import { latestPerGroup, latestRow, type Row } from '../../lib/read-model/latest.js';
import { MetricNameError, resolveMetric } from '../../lib/read-model/metrics.js';
import { series, type Point } from '../../lib/read-model/series.js';
import { openSignals } from '../../lib/read-model/signals.js';
import { parseContext, processCandidates, type Candidate } from './context.js';

export interface ObservedSignal {
  readonly id: number;
  readonly type: string;
  readonly category: string;
  readonly scope: string;
  readonly severity: string;
  readonly pressure: number;
  readonly occurrences: number;
  readonly durationS: number;
  readonly ageS: number;
  /** Ref of the process the signal is about, if any and still alive. */
  readonly targetRef?: string;
  /** Parsed context_json: internal only, may quote process names. */
  readonly context: Record<string, unknown>;
}

export interface Baseline { readonly mean: number; readonly sd: number; readonly ewma: number; readonly count: number }

/** The recent series SIMULATE and the deciders read, by their key in Observation.series. */
const SERIES: Readonly<Record<string, string>> = {
  cpu_busy_pct: 'cpu.busy_pct',
  mem_used_fraction: 'memory.used_fraction',
  load1_per_cpu: 'load.load1_per_cpu',
  psi_cpu_some10: 'psi.cpu.some_avg10',
  psi_memory_some10: 'psi.memory.some_avg10',
  psi_io_some10: 'psi.io.some_avg10',
  swap_pages_per_s: 'vmstat.swap_pages_per_s',
  tcp_time_wait: 'tcp.time_wait',
};

/** Tunables read for the evidence and advice only: none of them is an action (agent/actions/sysctl.ts says why). */
const EVIDENCE_SYSCTLS = ['vm.swappiness', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_tw_reuse', 'net.core.somaxconn', 'net.ipv4.tcp_max_syn_backlog', 'net.ipv4.tcp_syncookies'];

const numberOr = (text: string | null): number | null => (text !== null && Number.isFinite(Number(text)) ? Number(text) : null);

export type { ObservedTarget } from '../proc/look.js';

export interface Observation {
  readonly ts: number;
  readonly cpus: number;
  readonly memTotalKb: number;
  readonly signals: ObservedSignal[];
  readonly targets: ObservedTarget[];
  readonly system: SystemWindow;
  readonly latest: Record<string, Row | undefined>;
  readonly psi: Record<string, Row>;
  readonly baselines: Record<string, Baseline>;
  readonly sysctls: Record<string, number | null>;
  readonly cgroup: 'v1' | 'v2' | null;
  /** Throughput per block device from the scraper's latest sample, KiB/s (what a disk actually moves). */
  readonly disks: Record<string, { readKbPerS: number; writeKbPerS: number; writesPerS?: number }>;
  readonly series: Record<string, Point[]>;
}

export interface ObserveOptions {
  readonly signalMaxAgeS: number;
  readonly sampleMs: number;
  readonly historyS: number;
  readonly maxTargets: number;
}

function signalCandidates(s: { entity_type: string | null; entity_id: string | null }, ctx: Record<string, unknown>): Candidate[] {
  const out = processCandidates(ctx);
  const m = s.entity_type === 'process' ? /^(\d+):(\d+)$/.exec(s.entity_id ?? '') : null;
  if (m) out.unshift({ pid: Number(m[1]), startTime: Number(m[2]) });
  return out;
}

/** A catalogue metric since sinceS; none when its table does not exist (an older database). */
function recentSeries(db: Db, metric: string, sinceS: number): Point[] {
  try {
    return series(db, resolveMetric(db, metric), { sinceS }, 600);
  } catch (e) {
    if (e instanceof MetricNameError) return [];
    throw e;
  }
}

export async function observe(db: Db, port: Pick<ActionPort, 'look'>, o: ObserveOptions, signal?: AbortSignal): Promise<Observation> {
  const nowS = Date.now() / 1000;
  const rows = openSignals(db, { sinceS: nowS - o.signalMaxAgeS, limit: 30, order: 'pressure' });
  const memKb = readMeminfo()?.get('MemTotal') ?? 0;
  const contexts = rows.map((r) => parseContext(r.context_json));
  // Who is worth a reference: processes named by signals (if still the same
  // process) and the live top consumers, as the executor sees them (port.look:
  // other users' I/O counters and executables need root).
  const named = new Map<string, LookCandidate>();
  rows.forEach((r, i) => {
    for (const c of signalCandidates(r, contexts[i]!)) {
      const key = `${c.pid}:${c.startTime ?? ''}`;
      const e = named.get(key) ?? { pid: c.pid, startTime: c.startTime ?? null, signalIds: [] };
      e.signalIds.push(r.signal_id);
      named.set(key, e);
    }
  });
  const live = await port.look({ candidates: [...named.values()], sampleMs: o.sampleMs, maxTargets: o.maxTargets }, signal);
  const targets = live.targets;
  const refOf = new Map(targets.flatMap((t) => t.members!.map((m) => [m.pid, t] as const)));
  const signals: ObservedSignal[] = rows.map((r, i) => {
    const named = signalCandidates({ entity_type: r.entity_type, entity_id: r.entity_id }, {})[0];
    const t = named ? refOf.get(named.pid) : undefined;
    return {
      id: r.signal_id, type: r.signal_type, category: r.signal_category, scope: r.scope, severity: r.severity,
      pressure: r.pressure_score, occurrences: r.occurrence_count,
      durationS: Math.round(r.last_seen - r.first_seen), ageS: Math.round(nowS - r.last_seen),
      targetRef: t && t.members!.some((m) => m.pid === named?.pid && m.startTime === named.startTime) ? t.ref : undefined,
      context: contexts[i]!,
    };
  });

  const recent = nowS - 300;
  const since = nowS - o.historyS;
  const psi = Object.fromEntries(latestPerGroup(db, 'psi_metrics', { sinceS: recent }).map((r) => [String(r.resource), r]));
  const cg = detectCpuCgroup();
  return {
    ts: nowS, cpus: live.system.cpus, memTotalKb: memKb, signals, targets, system: live.system,
    latest: {
      cpu: latestRow(db, 'cpu_metrics', { sinceS: recent }), memory: latestRow(db, 'memory_metrics', { sinceS: recent }),
      load: latestRow(db, 'load_metrics', { sinceS: recent }), vmstat: latestRow(db, 'vmstat_metrics', { sinceS: recent }),
      tcp: latestRow(db, 'tcp_stats', { sinceS: recent }),
    },
    psi,
    baselines: Object.fromEntries(baselines(db, { order: 'count', limit: 200 }).map((b) => [b.metric, { mean: b.mean, sd: b.sd, ewma: b.ewma, count: b.count }])),
    sysctls: Object.fromEntries([...Object.keys(SYSCTL_ALLOWLIST), ...EVIDENCE_SYSCTLS].map((k) => [k, numberOr(readSysctl(k))])),
    cgroup: cg?.version ?? null,
    disks: Object.fromEntries(latestPerGroup(db, 'block_stats', { sinceS: recent }).map((r) => [String(r.dev), { readKbPerS: Number(r.read_kb_per_s) || 0, writeKbPerS: Number(r.write_kb_per_s) || 0, writesPerS: Number(r.writes_per_s) || 0 }])),
    series: Object.fromEntries(Object.entries(SERIES).map(([key, metric]) => [key, recentSeries(db, metric, since)])),
  };
}

export function targetMap(obs: Observation): Map<string, TargetEntry> {
  return new Map(obs.targets.map((t) => [t.ref, { pid: t.pid, startTime: t.startTime, comm: t.comm, members: t.members }]));
}
