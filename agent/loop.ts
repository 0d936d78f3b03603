// The agent loop: every interval, OBSERVE -> EXPLAIN -> SIMULATE -> DECIDE ->
// EXECUTE -> VERIFY. Each phase's output goes to agent_cycles and a line to
// agent.log. Stopping (abort) abandons the cycle at the next wait; actions that
// were applied but not yet verified are rolled back rather than left unverified.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'winston';
import type { Db } from '../lib/db.js';
import { escapeUntrusted } from '../lib/sanitize.js';
import type { AgentConfig } from './config.js';
import { CycleStore } from './cycle-store.js';
import type { Executor } from './executor/executor.js';
import { LocalPort, type ActionPort, type ExecuteSummary } from './executor/port.js';
import type { VerifyResult } from './executor/verify-change.js';
import { providerLoader } from '../lib/llm/index.js';
import { ModelDecider } from './llm/decider.js';
import { decide, type Decision } from './phases/decide.js';
import { explain, type Cause } from './phases/explain.js';
import { observe, targetMap, type Observation } from './phases/observe.js';
import { simulate, type Simulation } from './phases/simulate.js';

export interface CycleReport {
  readonly cycleId: number;
  readonly status: 'ok' | 'idle' | 'error' | 'abandoned';
  readonly observation?: Observation;
  readonly causes?: Cause[];
  readonly simulation?: Simulation;
  readonly decision?: Decision;
  readonly execution?: ExecuteSummary;
  readonly verification?: VerifyResult[];
  readonly error?: string;
}

function observationRecord(o: Observation): unknown {
  return {
    ts: o.ts, cpus: o.cpus, mem_total_kb: o.memTotalKb, system: o.system, sysctls: o.sysctls, cgroup: o.cgroup, psi: o.psi,
    latest: o.latest, baselines_count: Object.keys(o.baselines).length,
    signals: o.signals.map((s) => ({ id: s.id, type: s.type, severity: s.severity, pressure: s.pressure, occurrences: s.occurrences, duration_s: s.durationS, target: s.targetRef })),
    targets: o.targets.map((t) => ({ ...t, comm: escapeUntrusted(t.comm, 32) })),
  };
}

export class AgentLoop {
  /** How the loop acts: the executor in this process by default, or the root executor's socket (client.ts). */
  readonly port: ActionPort;
  readonly store: CycleStore;
  private readonly loadDecider?: () => Promise<ModelDecider>;
  private lastPrune = 0;

  constructor(private readonly db: Db, readonly cfg: AgentConfig, private readonly log: Logger, port?: ActionPort) {
    this.port = port ?? new LocalPort(db, cfg.executor, log);
    this.store = new CycleStore(db);
    // The provider's SDK is loaded on first use, only when a model is configured:
    // it is a quarter of the agent's memory, and an agent on rules never needs it.
    const llm = cfg.llm;
    if (llm) {
      const provider = providerLoader(llm);
      let decider: ModelDecider | undefined;
      this.loadDecider = async () => (decider ??= new ModelDecider(db, await provider(), llm.maxTurns));
    }
  }

  /** The in-process executor (tests); an agent acting through the root executor has none. */
  get executor(): Executor {
    if (this.port instanceof LocalPort) return this.port.executor;
    throw new Error('this agent acts through the executor process: it holds no executor of its own');
  }

  async runCycle(signal?: AbortSignal): Promise<CycleReport> {
    await this.port.expire().catch((e: unknown) => this.log.warn(`reversing changes whose time ran out failed: ${e instanceof Error ? e.message : String(e)}`));
    const breaker = await this.port.breakerState();
    const mode = this.cfg.executor.dryRun ? 'dry_run' : breaker.open ? 'breaker_open' : 'live';
    const id = this.store.start(mode);
    const log = (phase: string, msg: string, meta?: Record<string, unknown>) => this.log.info(`cycle ${id} ${phase}: ${msg}`, meta ?? {});
    let executed: number[] = [];
    const report: { -readonly [K in keyof CycleReport]: CycleReport[K] } = { cycleId: id, status: 'ok' };
    try {
      const obs = await observe(this.db, this.port, this.cfg.observe, signal);
      report.observation = obs;
      this.store.phase(id, 'observe', observationRecord(obs));
      log('observe', `${obs.signals.length} open signals, ${obs.targets.length} targets, cpu busy ${obs.system.busyPct.toFixed(1)}%`, { mode });
      if (obs.signals.length === 0) {
        this.store.finish(id, { status: 'idle' });
        report.status = 'idle';
        return report;
      }
      const causes = explain(obs);
      report.causes = causes;
      this.store.phase(id, 'explain', causes);
      log('explain', causes.map((c) => `${c.id} ${c.kind}${c.targetRef ? ` ${c.targetRef}` : ''} score ${c.score}`).join(', '));

      const sim = simulate(obs, causes);
      report.simulation = sim;
      this.store.phase(id, 'simulate', sim);
      log('simulate', Object.values(sim.projections).map((p) => `${p.metric} ${p.current}->${p.projected} (conf ${p.confidence})`).join(', ') || 'no history');

      const ctx = { cycleId: id, targets: targetMap(obs) };
      const decision = await decide(this.db, obs, causes, sim, this.cfg.decide, this.loadDecider, this.port, ctx, signal);
      report.decision = decision;
      this.store.phase(id, 'decide', decision);
      log('decide', `${decision.decidedBy}${decision.fallbackReason ? ` (fallback: ${decision.fallbackReason})` : ''}: ${decision.proposals.map((p) => `${p.action} ${JSON.stringify(p.params)} conf ${p.confidence}`).join('; ') || 'no action'}`, { notes: decision.notes });

      // EXECUTE: the executor re-checks every rule and audits every outcome.
      const ex = await this.port.execute(decision.proposals, ctx, this.cfg.decide.maxActions, signal);
      executed = ex.executedIds;
      report.execution = ex;
      this.store.phase(id, 'execute', ex.outcomes);
      log('execute', ex.outcomes.map((o) => `${o.action} ${o.status}${o.rule ? ` (${o.rule})` : ''} #${o.auditId}`).join('; ') || 'nothing');

      // VERIFY: measure again and keep or roll back each (../executor/verify-change.ts).
      const ver = await this.port.verify(executed, id, signal);
      executed = [];
      report.verification = ver;
      this.store.phase(id, 'verify', ver);
      log('verify', ver.map((v) => `#${v.decisionId} ${v.action} ${v.verdict} -> ${v.status}`).join('; ') || 'nothing to verify');
      this.store.finish(id, { status: 'ok', decidedBy: decision.decidedBy, model: decision.model, signalIds: obs.signals.map((s) => s.id) });
      return report;
    } catch (e) {
      const aborted = signal?.aborted ?? false;
      const msg = e instanceof Error ? e.message : String(e);
      await this.port.abandon(executed, 'agent stopped before verification', id).catch(() => undefined);
      this.store.finish(id, { status: aborted ? 'abandoned' : 'error', error: msg });
      if (!aborted) this.log.error(`cycle ${id} failed: ${msg}`, { stack: e instanceof Error ? e.stack : undefined });
      else this.log.info(`cycle ${id} abandoned: agent stopping`);
      return { ...report, status: aborted ? 'abandoned' : 'error', error: msg };
    } finally {
      const now = Date.now() / 1000;
      if (now - this.lastPrune > 3600) {
        this.lastPrune = now;
        this.store.prune(this.cfg.cycleRetentionS, now);
      }
    }
  }

  /** Cycle every intervalS until the signal aborts; then restore if configured. */
  async run(signal: AbortSignal, once = false): Promise<void> {
    while (!signal.aborted) {
      const t0 = Date.now();
      await this.runCycle(signal);
      if (once) break;
      const wait = Math.max(0, this.cfg.intervalS * 1000 - (Date.now() - t0));
      await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  async shutdown(): Promise<void> {
    if (!this.cfg.restoreOnExit) return;
    const restored = await this.port.restore('agent stopping with --restore-on-exit');
    this.log.info(`restore on exit: ${restored.length} changes processed`, { restored: restored.map((r) => `${r.status}: ${r.note}`) });
  }
}
