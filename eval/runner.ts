// One scenario on the real system: `node dist/start.js` (harness/system.ts, agent on,
// rules) on a temp database, the agent scoped (--scope-pid) to a launcher holding
// both the culprit and the victim's probe, so that picking the wrong process is
// possible and shows. Timeline:
//   system up -> probe alone (baseline) -> culprit starts (t = 0) -> signals,
//   decisions, VERIFY -> end (extended until a pending verdict is in and its
//   "after" window measured) -> snapshot -> system stopped (restore on exit) -> snapshot.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { measureFootprint } from '../harness/footprint.js';
import { changes, otherTestRuns, snapshot, type Snapshot } from '../harness/procs.js';
import { Scope, type Workload } from '../harness/scope.js';
import { actions, agentLog, allUp, query, signals, startSystem, type ActionRow, type RealSystem, type SignalRow } from '../harness/system.js';
import { tempDir, waitFor } from '../harness/wait.js';
import { readPidStat } from '../lib/procfs/pid.js';
import { readSystemStat } from '../lib/procfs/stat.js';
import { readSysctl } from '../lib/procfs/sysctl.js';
import { descendants } from '../lib/procfs/tree.js';
import { atLeast } from '../lib/severity.js';
import { DEFAULT_EXECUTOR_CONFIG } from '../agent/executor/types.js';
import { SWITCHBACK_SETTLE_MS } from '../agent/executor/verify-change.js';
import { createMemoryCgroup } from './cgroup.js';
import { ioSchedulerFor, mechanismNoop, type TcpEvidence } from './mechanism.js';
import type { DecisionRecord, OutsideRecord, ScenarioRecord, SignalRecord, TargetKind } from './record.js';
import type { Scenario, ScenarioEnv } from './scenario.js';
import { judgeVictim, readProbe, windowStats } from './victim.js';

export interface RunOptions {
  /** How long the condition runs (non-idle scenarios), seconds. */
  readonly scenarioS: number;
  readonly idleS: number;
  /** The supervisor's --agent-interval and --scrape-interval. */
  readonly agentInterval: number;
  readonly scrapeInterval: number;
  /** Probe alone before the culprit starts. */
  readonly baselineS: number;
  /** After the verdict, this long is measured. */
  readonly afterS: number;
  readonly log: (line: string) => void;
}

/**
 * The agent's VERIFY timing as npm start runs it: settle, the after window, and a
 * switchback when the first comparison is ambiguous (two more settles and windows), plus slack.
 */
const { settleMs, measureMs } = DEFAULT_EXECUTOR_CONFIG;
const VERIFY_S = (settleMs + measureMs + 2 * (Math.min(settleMs, SWITCHBACK_SETTLE_MS) + measureMs)) / 1000 + 10;
/** The culprit ramps up and the first samples land: not yet "before the action". */
const WARMUP_S = 5;
/** Host-wide knobs the agent may change (its set_sysctl allowlist and the dirty ratios' byte partners). */
const SYSCTLS = ['vm.swappiness', 'vm.dirty_ratio', 'vm.dirty_bytes', 'vm.dirty_background_ratio', 'vm.dirty_background_bytes',
  'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_max_syn_backlog', 'net.core.somaxconn'];
const VERDICTS = new Set(['verified', 'rolled_back', 'verify_failed']);

const now = (): number => Date.now() / 1000;
const r1 = (x: number): number => Math.round(x * 10) / 10;

function readSysctls(): Map<string, string | null> {
  return new Map(SYSCTLS.map((k) => [k, readSysctl(k)]));
}

function sysctlDiff(a: Map<string, string | null>, b: Map<string, string | null>): string[] {
  return SYSCTLS.filter((k) => a.get(k) !== b.get(k)).map((k) => `${k} ${a.get(k)} -> ${b.get(k)}`);
}

/** TIME_WAIT sockets host-wide (/proc/net/sockstat "tw"). */
function timeWaitCount(): number {
  try { return Number(/^TCP:.*\btw (\d+)/m.exec(fs.readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? 0); } catch { return 0; }
}

/** An earlier scenario's TIME_WAIT sockets outlive it by 60 s: wait them out so they are not this one's signal. */
async function waitQuiet(log: (l: string) => void): Promise<void> {
  const end = Date.now() + 75_000;
  if (timeWaitCount() >= 500) log(`waiting for ${timeWaitCount()} TIME_WAIT sockets to expire`);
  while (timeWaitCount() >= 500 && Date.now() < end) await sleep(2000);
}

/** Every pid:start of a workload's tree seen so far (workers come and go). */
function track(w: Workload | undefined, into: Set<string>): void {
  if (!w) return;
  into.add(`${w.pid}:${w.startTime}`);
  trackTree(w.pid, into);
}

/** Every pid:start under root (not root itself). */
function trackTree(root: number, into: Set<string>): void {
  for (const d of descendants(root)) into.add(`${d.pid}:${d.startTime}`);
}

const kindOf = (key: string, culprit: Set<string>, bystander: Set<string>): TargetKind =>
  (culprit.has(key) ? 'culprit' : bystander.has(key) ? 'bystander' : 'outside');

function signalRecords(rows: readonly SignalRow[], t0: number, culprit: Set<string>, bystander: Set<string>, system: Set<string>): SignalRecord[] {
  return rows.map((s) => ({
    id: s.signal_id, type: s.signal_type, severity: s.severity, max_severity: s.max_severity, at_s: r1(s.first_seen - t0),
    entity: s.entity_id ? `${s.entity_type}:${s.entity_name ?? ''}:${s.entity_id}` : s.entity_type,
    process: s.entity_type === 'process' && s.entity_id ? kindOf(s.entity_id, culprit, bystander) : null,
    system_process: s.entity_type === 'process' && s.entity_id !== null && system.has(s.entity_id),
    status: s.status, summary: s.summary,
  }));
}

const parse = (s: string | null): Record<string, unknown> | null => { try { return s ? JSON.parse(s) as Record<string, unknown> : null; } catch { return null; } };

function decisionRecords(rows: readonly ActionRow[], sigs: readonly SignalRow[], t0: number, culprit: Set<string>, bystander: Set<string>, ioScheduler: string | null): DecisionRecord[] {
  return rows.filter((r) => r.ref_action_id === null).map((d) => {
    const follow = rows.filter((r) => r.ref_action_id === d.id);
    const verdictRow = follow.find((r) => VERDICTS.has(r.status));
    const verification = parse(verdictRow?.verification_json ?? null);
    const key = d.target_pid !== null ? `${d.target_pid}:${d.target_start_time}` : null;
    const kind: TargetKind = key === null ? 'host' : kindOf(key, culprit, bystander);
    const params = parse(d.params_json) ?? {};
    const signalIds = (JSON.parse(d.signal_ids) as number[]);
    const tcp = sigs.filter((s) => signalIds.includes(s.signal_id)).map((s) => (parse(s.context_json) ?? {}) as TcpEvidence);
    return {
      id: d.id, at_s: r1(d.ts - t0), action: d.action, params, decided_by: d.decided_by,
      target: { pid: d.target_pid, comm: d.target_comm, key: d.target_key, kind },
      chain: [d.status, ...follow.map((r) => r.status)], refused_rule: d.refused_rule ?? follow.find((r) => r.refused_rule)?.refused_rule ?? null,
      verdict: typeof verification?.verdict === 'string' ? verification.verdict : null, verification,
      rolled_back: follow.some((r) => r.status === 'rolled_back'),
      mechanism_noop: mechanismNoop(d.action, params, verification, { ioScheduler }, tcp),
      signal_ids: signalIds, verdict_at_s: verdictRow ? r1(verdictRow.ts - t0) : null, victim_after: null,
    };
  });
}

/** The first decision that took effect, and when it did and when VERIFY judged it (epoch seconds). */
function firstAction(rows: readonly ActionRow[]): { actedAt: number; verdictAt: number | null } | null {
  const executed = rows.filter((r) => r.status === 'executed').sort((a, b) => a.ts - b.ts)[0];
  if (!executed) return null;
  const id = executed.ref_action_id ?? executed.id;
  const verdict = rows.find((r) => r.ref_action_id === id && VERDICTS.has(r.status));
  return { actedAt: executed.ts, verdictAt: verdict?.ts ?? null };
}

/** Executed decisions VERIFY has not judged yet. */
const pendingVerdicts = (rows: readonly ActionRow[]): number =>
  rows.filter((r) => r.status === 'executed' && !rows.some((v) => v.ref_action_id === (r.ref_action_id ?? r.id) && VERDICTS.has(v.status))).length;

export async function runScenario(sc: Scenario, o: RunOptions): Promise<ScenarioRecord> {
  const dir = tempDir(`ks-eval-${sc.name}-`);
  const startedAt = new Date().toISOString();
  const notes: string[] = [];
  let sys: RealSystem | undefined;
  let scope: Scope | undefined;
  let env: ScenarioEnv = { dir, probeFile: path.join(dir, 'probe.ndjson'), lifeS: Math.max(o.scenarioS, o.idleS) + 600 };
  const culpritKeys = new Set<string>();
  const probeKeys = new Set<string>();
  let t0 = now();
  let endAt = t0;
  let error: string | null = null;
  let rows: ActionRow[] = [];
  let sigs: SignalRow[] = [];
  let culprit: Workload | undefined;
  let probe: Workload | undefined;
  let culpritComm = '';
  let othersCpuPct: number | null = null;
  const others = new Set<number>();
  /** pid:start of every process of the system itself seen meanwhile. */
  const systemKeys = new Set<string>();
  let watch: NodeJS.Timeout | undefined;
  const outside: { audit: string[]; processes: OutsideRecord['processes']; sysctls: string[]; left_after_stop: string[] } = { audit: [], processes: [], sysctls: [], left_after_stop: [] };
  try {
    await waitQuiet(o.log);
    if (sc.memoryCgroupMb) {
      env = { ...env, cgroup: createMemoryCgroup(`ks-eval-${sc.name}-${process.pid}`, sc.memoryCgroupMb << 20) };
      notes.push(`memory cgroup ${env.cgroup!.version} ${env.cgroup!.dir}, limit ${sc.memoryCgroupMb} MiB`);
    }
    sc.prepare?.(env);
    scope = await Scope.start();
    if (sc.victim) probe = await scope.run(sc.victim.probe(env), dir);
    track(probe, probeKeys);
    const snap0: Snapshot = snapshot();
    const sysctl0 = readSysctls();
    sys = startSystem(dir, { scrapeInterval: o.scrapeInterval, agentInterval: o.agentInterval, scopePid: scope.pid });
    const s = sys;
    await waitFor(() => allUp(s), () => `every component up\n${s.output().slice(-2000)}`, 90_000, 250);
    await waitFor(() => (query<{ n: number }>(s.db, 'SELECT COUNT(*) AS n FROM cpu_metrics')[0]?.n ?? 0) >= 2, 'two scrapes stored', 60_000, 250);
    o.log(`${sc.name}: system up (pid ${s.proc.pid}), scope ${scope.pid}`);

    trackTree(s.proc.pid!, systemKeys);
    watch = setInterval(() => { for (const p of otherTestRuns()) others.add(p); trackTree(s.proc.pid!, systemKeys); }, 10_000);
    if (sc.idle) {
      t0 = now();
      const busy0 = readSystemStat();
      {
        const fp = await measureFootprint(s.proc.pid!, o.idleS);
        const busy1 = readSystemStat();
        const busyTicks = (st: typeof busy0) => (st ? Object.entries(st.cpu).filter(([k]) => k !== 'idle' && k !== 'iowait').reduce((a, [, v]) => a + v, 0) : 0);
        const hostPct = (busyTicks(busy1) - busyTicks(busy0)) / fp.seconds; // 100 ticks/s: ticks per second = % of one core
        othersCpuPct = r1(Math.max(0, hostPct - fp.cpu_pct_one_core - (fp.bpf_cpu_pct_one_core ?? 0)));
        notes.push(`system used ${fp.cpu_pct_one_core}% of one core, ${fp.pss_mb_avg} MB PSS; the rest of the host ${othersCpuPct}% of one core`);
      }
    } else {
      await sleep(o.baselineS * 1000);
      track(probe, probeKeys);
      t0 = now();
      if (sc.culprit) culprit = await scope.run(sc.culprit(env), dir);
      let exitedEarly = false;
      void culprit?.exited.then(() => { exitedEarly = true; });
      o.log(`${sc.name}: culprit ${culprit ? `${culprit.name} pid ${culprit.pid}` : 'none'} started`);
      let end = t0 + o.scenarioS;
      let extended = false;
      while (now() < end) {
        track(culprit, culpritKeys);
        track(probe, probeKeys);
        if (culprit && !culpritComm && now() - t0 > 2) culpritComm = readPidStat(culprit.pid)?.comm ?? culprit.name;
        await sleep(1000);
        if (now() >= end && !extended) {
          // A decision still settling or a verdict too fresh to have an "after": give it its time.
          extended = true;
          const cur = actions(s.db);
          const first = firstAction(cur);
          const need = Math.max(pendingVerdicts(cur) > 0 ? now() + VERIFY_S + o.afterS : 0, first?.verdictAt ? first.verdictAt + o.afterS : 0);
          if (need > end) { notes.push(`extended by ${Math.round(need - end)} s for a verdict and its after window`); end = need; }
        }
      }
      if (exitedEarly) notes.push('the culprit exited before the end');
    }
    endAt = now();
    const snap1 = snapshot();
    outside.sysctls.push(...sysctlDiff(sysctl0, readSysctls()));
    rows = actions(s.db);
    sigs = signals(s.db);
    const cycles = query<{ n: number }>(s.db, 'SELECT COUNT(*) AS n FROM agent_cycles')[0]?.n ?? 0;
    notes.push(`agent cycles: ${cycles}`);
    const code = await s.stop();
    if (code !== 0) notes.push(`supervisor exited ${code}: ${s.output().slice(-300)}`);
    if (code !== 0) notes.push(`agent.log tail: ${agentLog(s).split('\n').slice(-5).join(' | ')}`);
    rows = actions(s.db); // the restore rows written on stop
    sys = undefined;
    const snap2 = snapshot();
    const mine = new Set([...culpritKeys, ...probeKeys].map((k) => Number(k.split(':')[0])));
    const ignore = otherTestRuns();
    outside.processes = changes(snap0, snap1, mine, ignore);
    outside.left_after_stop.push(...changes(snap0, snap2, new Set(), ignore).map((c) => `${c.comm} (${c.pid}) ${c.what}`), ...sysctlDiff(sysctl0, readSysctls()));
    const extra = sc.notes?.(env) ?? [];
    notes.push(...extra);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    o.log(`${sc.name}: harness error: ${error}`);
    if (sys) { rows = actions(sys.db); sigs = signals(sys.db); }
    endAt = now();
  } finally {
    clearInterval(watch);
    await sys?.stop(20_000).catch(() => null);
    await scope?.close().catch(() => undefined);
    await env.cgroup?.remove().catch((e: unknown) => { notes.push(`cgroup not removed: ${e instanceof Error ? e.message : String(e)}`); });
  }

  const ioScheduler = ioSchedulerFor(dir);
  const lines = readProbe(env.probeFile);
  const decisions = decisionRecords(rows, sigs, t0, culpritKeys, probeKeys, ioScheduler).map((d) => (sc.victim && d.verdict_at_s !== null
    ? { ...d, victim_after: windowStats(lines, t0 + d.verdict_at_s, Math.min(endAt, t0 + d.verdict_at_s + o.afterS), t0, sc.victim.metric.field) }
    : d));
  outside.audit.push(...decisions.filter((d) => d.target.kind === 'outside' && d.chain.includes('executed'))
    .map((d) => `#${d.id} ${d.action} on ${d.target.comm} (${d.target.pid}): ${d.chain.join('>')}`));
  const signalRecs = signalRecords(sigs, t0, culpritKeys, probeKeys, systemKeys);
  const first = firstAction(rows);
  fs.rmSync(dir, { recursive: true, force: true });
  const victim = sc.victim && !sc.idle
    ? judgeVictim(sc.victim.probe(env).name, lines, sc.victim.metric, {
      baselineFrom: t0 - o.baselineS, conditionAt: t0, actedAt: first?.actedAt ?? null, verdictAt: first?.verdictAt ?? null,
      endAt, warmupS: WARMUP_S, afterS: o.afterS,
    })
    : null;
  if (ioScheduler) notes.push(`I/O scheduler of the scratch disk: ${ioScheduler}`);
  return {
    name: sc.name, title: sc.title, expect: sc.expect, started_at: startedAt, condition_s: r1(endAt - t0), error,
    signals: signalRecs,
    detected: !sc.idle && signalRecs.some((x) => sc.detects.includes(x.type) && x.at_s >= 0 && x.process !== 'outside' && atLeast(x.max_severity, 'low')),
    detect_types: sc.detects, decisions, acted: decisions.some((d) => d.chain.includes('executed')), victim, outside,
    culprit: culprit ? { comm: culpritComm, pids: [...culpritKeys].map((k) => Number(k.split(':')[0])) } : null,
    other_test_processes: others.size, others_cpu_pct: othersCpuPct, notes,
  };
}
