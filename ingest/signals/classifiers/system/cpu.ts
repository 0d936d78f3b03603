// cpu_saturation (system) and runaway_process (one process).
// Saturated = the CPUs are busy AND work is waiting for them. busy_pct alone only
// says "fully used" (two hogs on two CPUs wait for nobody); waiting shows as
// runnable tasks per CPU (instant), load per CPU (1-min average, lags) and PSI
// cpu some (share of time some task waited). The real CPU count divides both.
import type { StoredEvent } from '../../../observer.js';
import type { EventOf } from '../../../../lib/events.js';
import { ladderScore, ladderSeverity } from '../../severity.js';
import { maxSeverity } from '../../../../lib/severity.js';
import { dedupKey, HOST, LazyObservation, NONE, type Gate, type Level, type Observation } from '../../signal.js';
import { psiSomePct, type HostState } from '../../host-state.js';
import { CPU, metricGate, RUNAWAY } from '../../thresholds.js';
import { processEntity, processKey } from '../../proc.js';
import { compact, pct, who } from '../../../../lib/format.js';

const CPU_KEY = dedupKey('cpu_saturation', HOST);

export function cpuSaturation(stored: StoredEvent, ev: EventOf<'cpu'>, host: HostState): readonly Observation[] {
  const cpus = host.cpus;
  const busy = ev.busy_pct;
  // procs_running counts the scraper itself, which is running while it reads /proc/stat.
  const runnable = Math.max(0, ev.procs_running - 1) / cpus;
  const load = host.fresh(host.load, ev.ts);
  const loadPerCpu = load ? load.load1 / cpus : 0;
  const psi = host.psiOf('cpu', ev.ts);
  const some = psi ? psiSomePct(psi) : 0;
  const waiting = maxSeverity(ladderSeverity(runnable, CPU.runnablePerCpu), ladderSeverity(loadPerCpu, CPU.loadPerCpu),
    ladderSeverity(some, CPU.psiSome));
  const severity = busy >= CPU.busyEnter ? waiting : 'none';
  const hold = busy >= CPU.busyExit && (runnable >= CPU.holdPerCpu || loadPerCpu >= CPU.holdPerCpu || some >= CPU.holdPsi);
  // pressure_score = (busy_pct/100) * max(ladder(runnable/CPU), ladder(load1/CPU), ladder(PSI cpu some))
  const score = (Math.min(100, busy) / 100) * Math.max(ladderScore(runnable, CPU.runnablePerCpu),
    ladderScore(loadPerCpu, CPU.loadPerCpu), ladderScore(some, CPU.psiSome));
  const level = severity !== 'none' ? 'enter' : hold ? 'hold' : 'exit';
  return [new LazyObservation(CPU_KEY, ev.ts, level, metricGate(ev.interval_s), severity, () => {
    const top = host.topCpu(ev.ts, 5);
    const topText = top.length ? `; top: ${top.slice(0, 3).map((p) => `${who(p.comm, p.pid)} ${pct(p.cpu_pct, 0)}`).join(', ')}` : '';
    const patterns = [
      ...(runnable >= CPU.runnablePerCpu[1] ? ['run_queue_backlog'] : []),
      ...(ev.system_pct >= 30 ? ['kernel_time_high'] : []),
      ...(ev.steal_pct >= 10 ? ['steal_time'] : []),
      ...(ev.iowait_pct >= 20 ? ['iowait_high'] : []),
      ...(top[0] && top[0].cpu_pct >= 50 * cpus ? ['single_process_dominates'] : []),
    ];
    return {
      category: 'symptom', type: 'cpu_saturation', scope: 'system', label: 'CPU saturation', severity,
      score: Math.round(score * 1000) / 1000,
      summary: `CPU saturated: ${cpus} CPU${cpus > 1 ? 's' : ''} ${pct(busy, 0)} busy, ${compact(runnable, 2)} runnable tasks per CPU` +
        (load ? `, load1 ${compact(loadPerCpu, 2)} per CPU` : '') + (psi ? `, PSI cpu some ${pct(some, 0)}` : '') + topText,
      patterns,
      hints: ['Top CPU processes are in context (pid, start_time): renice batch work before stopping anything',
        'Steal time means the hypervisor, not this guest, is short of CPU',
        'High kernel time with many context switches points at lock contention or interrupts'],
      entity: HOST,
      context: {
        cpus, busy_pct: busy, user_pct: ev.user_pct, system_pct: ev.system_pct, iowait_pct: ev.iowait_pct,
        steal_pct: ev.steal_pct, procs_running: ev.procs_running, procs_blocked: ev.procs_blocked,
        runnable_per_cpu: round(runnable), load1: load?.load1 ?? null, load1_per_cpu: load ? round(loadPerCpu) : null,
        psi_cpu_some: psi ? round(some) : null, interval_s: ev.interval_s, top_processes: top,
        thresholds: { busy_enter: CPU.busyEnter, busy_exit: CPU.busyExit, runnable_per_cpu: CPU.runnablePerCpu,
          load_per_cpu: CPU.loadPerCpu, psi_some: CPU.psiSome },
      },
      source: { table: stored.table, id: stored.rowId },
    };
  })];
}

/** One process holding >= RUNAWAY.cpuPct of a CPU for RUNAWAY.seconds. */
export function runawayProcess(stored: StoredEvent, ev: EventOf<'process'>, host: HostState): readonly Observation[] {
  if (ev.rank_by !== 'cpu') return NONE;
  const key = processKey('runaway_process', ev.pid, ev.start_time);
  const level = ev.cpu_pct >= RUNAWAY.cpuPct ? 'enter' : ev.cpu_pct >= RUNAWAY.exitCpuPct ? 'hold' : 'exit';
  const gate = runawayGate(host.intervalS);
  // Nearly every process line is an exit, which needs no draft: build nothing else for it.
  return [level === 'exit' ? { key, ts: ev.ts, level, gate } : runaway(stored, ev, host, key, level, gate)];
}

function runaway(stored: StoredEvent, ev: EventOf<'process'>, host: HostState, key: string, level: Level, gate: Gate): Observation {
  const entity = processEntity(ev.pid, ev.start_time, ev.comm);
  const cpu = host.fresh(host.cpu, ev.ts);
  const starving = cpu !== undefined && cpu.busy_pct >= CPU.busyEnter;
  const cpus = host.cpus;
  // Alone on an otherwise idle machine it may be a legitimate batch job: low. Starving others: medium.
  const severity = starving ? 'medium' : 'low';
  return new LazyObservation(key, ev.ts, level, gate, severity, () => ({
    category: 'symptom', type: 'runaway_process', scope: 'process', label: 'Runaway process', severity,
    // pressure_score = share of the whole machine's CPU this process holds
    score: Math.round(Math.min(1, ev.cpu_pct / (100 * cpus)) * 1000) / 1000,
    summary: `${who(ev.comm, ev.pid)} has used ${pct(ev.cpu_pct, 0)} of a CPU for over ${RUNAWAY.seconds} s` +
      (cpu ? ` (machine ${pct(cpu.busy_pct, 0)} busy)` : ''),
    patterns: [starving ? 'starving_others' : 'cpu_hog', ...(ev.threads > 1 ? ['multi_threaded'] : [])],
    hints: ['Check whether this is expected batch work before acting',
      'Lowering its priority (renice) is reversible; stopping it is not'],
    entity,
    context: {
      pid: ev.pid, start_time: ev.start_time, comm: ev.comm, cpu_pct: ev.cpu_pct, threads: ev.threads,
      nice: ev.nice, uid: ev.uid, ppid: ev.ppid, state: ev.state, rss_kb: ev.rss_kb, cpus,
      system_busy_pct: cpu?.busy_pct ?? null, top_processes: host.topCpu(ev.ts, 5),
      thresholds: { cpu_pct: RUNAWAY.cpuPct, exit_cpu_pct: RUNAWAY.exitCpuPct, seconds: RUNAWAY.seconds },
    },
    source: { table: stored.table, id: stored.rowId },
  }));
}

/** The metric gate plus the runaway duration, shared while the scrape interval stays the same. */
let runawayGates: { base: Gate; gate: Gate } | undefined;
function runawayGate(intervalS: number): Gate {
  const base = metricGate(intervalS);
  if (runawayGates?.base !== base) runawayGates = { base, gate: Object.freeze({ ...base, enterSeconds: RUNAWAY.seconds }) };
  return runawayGates.gate;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
