// SchedulerSemanticClassifier: sched_tracer's per-interval totals become
// scheduler_thrashing: runnable tasks waiting long for a CPU (run-queue latency
// p95) or a context-switch storm (switches per second per CPU far beyond a busy
// machine's). The per-process sched lines name the tasks that wait the most.
import type { StoredEvent } from '../../observer.js';
import type { EventOf } from '../../../lib/events.js';
import { ladderScore, ladderSeverity } from '../severity.js';
import { maxSeverity } from '../../../lib/severity.js';
import { dedupKey, HOST, LazyObservation, type Classifier, NONE, type Observation } from '../signal.js';
import type { HostState } from '../host-state.js';
import { metricGate, SCHED } from '../thresholds.js';
import { ms, compact, who } from '../../../lib/format.js';
import { processIdentity } from '../proc.js';

const KEY = dedupKey('scheduler_thrashing', HOST);

export class SchedulerSemanticClassifier implements Classifier {
  readonly name = 'scheduler';
  readonly types = ['sched_summary'] as const;

  constructor(private readonly host: HostState) {}

  classify(stored: StoredEvent): readonly Observation[] {
    const ev = stored.event;
    return ev.type === 'sched_summary' && ev.interval_s > 0 ? this.judge(stored, ev) : NONE;
  }

  // Apart from classify, which sees every event: the draft's closure context is allocated only here.
  private judge(stored: StoredEvent, ev: EventOf<'sched_summary'>): readonly Observation[] {
    const cpus = this.host.cpus;
    const p95 = ev.runq_p95_us / 1000;
    const switchesPerCpu = ev.switches / ev.interval_s / cpus;
    const involuntaryShare = ev.switches > 0 ? ev.involuntary / ev.switches : 0;
    const sevRunq = ladderSeverity(p95, SCHED.runqP95Ms);
    const sevStorm = ladderSeverity(switchesPerCpu, SCHED.switchesPerCpu);
    const severity = maxSeverity(sevRunq, sevStorm);
    const hold = p95 >= SCHED.runqExitMs || switchesPerCpu >= SCHED.switchesExitPerCpu;
    const level = severity !== 'none' ? 'enter' : hold ? 'hold' : 'exit';
    return [new LazyObservation(KEY, ev.ts, level, metricGate(ev.interval_s), severity, () => {
      const waiters = this.topWaiters(ev.ts);
      const parts = [
        ...(sevRunq !== 'none' || sevStorm === 'none' ? [`runnable tasks wait p95 ${ms(p95)} (p99 ${ms(ev.runq_p99_us / 1000)}, max ${ms(ev.runq_max_us / 1000)}) for a CPU`] : []),
        ...(sevStorm !== 'none' ? [`${compact(switchesPerCpu)} context switches/s per CPU (${compact(involuntaryShare * 100, 0)}% involuntary)`] : []),
      ];
      return {
        category: 'symptom', type: 'scheduler_thrashing', scope: 'system', label: 'Scheduler thrashing', severity,
        // pressure_score = max(ladder(run-queue p95 ms), ladder(switches/s per CPU))
        score: Math.max(ladderScore(p95, SCHED.runqP95Ms), ladderScore(switchesPerCpu, SCHED.switchesPerCpu)),
        summary: `Scheduler: ${parts.join('; ')}` +
          (waiters[0] ? `; longest waits: ${waiters.slice(0, 3).map((w) => `${who(w.comm, w.pid)} p95 ${ms(w.runq_p95_us / 1000)}`).join(', ')}` : ''),
        patterns: [...(sevRunq !== 'none' ? ['run_queue_latency'] : []), ...(sevStorm !== 'none' ? ['context_switch_storm'] : []),
          ...(involuntaryShare >= 0.5 ? ['preemption_heavy'] : [])],
        hints: ['Run-queue latency with busy CPUs: more runnable work than CPUs (see cpu_saturation)',
          'A switch storm with mostly voluntary switches: threads waking each other (lock handoff, tiny queues)',
          'Latency-sensitive tasks can be given more weight (nice) or their own CPUs (affinity)'],
        entity: HOST,
        context: {
          cpus, interval_s: ev.interval_s, switches: ev.switches, switches_per_s_per_cpu: Math.round(switchesPerCpu),
          voluntary: ev.voluntary, involuntary: ev.involuntary, wakeups: ev.wakeups, runq_count: ev.runq_count,
          runq_p50_us: ev.runq_p50_us, runq_p95_us: ev.runq_p95_us, runq_p99_us: ev.runq_p99_us, runq_max_us: ev.runq_max_us,
          nr_procs: ev.nr_procs, top_waiters: waiters,
          thresholds: { runq_p95_ms: SCHED.runqP95Ms, runq_exit_ms: SCHED.runqExitMs, switches_per_cpu: SCHED.switchesPerCpu },
        },
        source: { table: stored.table, id: stored.rowId },
      };
    })];
  }

  /** Processes with the worst run-queue latency in the latest interval. */
  private topWaiters(ts: number): { pid: number; start_time: number; comm: string; runq_p95_us: number; involuntary: number }[] {
    return [...this.host.sched.values()]
      .filter((s) => Math.abs(ts - s.ts) <= this.host.maxAgeS && s.runq_count > 0)
      .sort((a, b) => b.runq_p95_us - a.runq_p95_us)
      .slice(0, 5)
      .map((s) => ({ pid: s.pid, start_time: processIdentity(s.pid, s.comm).startTime, comm: s.comm,
        runq_p95_us: s.runq_p95_us, involuntary: s.involuntary }));
  }
}
