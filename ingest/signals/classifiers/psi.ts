// PsiClassifier: /proc/pressure. PSI cpu and memory are evidence inside
// cpu_saturation and memory_pressure (read from HostState, so each condition has
// ONE owner and one row); PSI io is the system-wide io_congestion signal: the
// share of time tasks were stalled waiting for I/O, whatever device it was.
// Kernels without PSI send no psi events: nothing here fires, the rest still works.
import type { StoredEvent } from '../../observer.js';
import { ladderScore, ladderSeverity } from '../severity.js';
import { maxSeverity } from '../../../lib/severity.js';
import { dedupKey, HOST, LazyObservation, type Classifier, NONE, type Observation } from '../signal.js';
import { psiSomePct, type HostState, type Psi } from '../host-state.js';
import { metricGate, PSI_IO } from '../thresholds.js';
import { pct, who } from '../../../lib/format.js';
import { processIdentity } from '../proc.js';

const KEY = dedupKey('io_congestion', HOST);

export class PsiClassifier implements Classifier {
  readonly name = 'psi';
  readonly types = ['psi'] as const;

  constructor(private readonly host: HostState) {}

  classify(stored: StoredEvent): readonly Observation[] {
    const ev = stored.event;
    return ev.type === 'psi' && ev.resource === 'io' ? this.judge(stored, ev) : NONE;
  }

  // Apart from classify, which sees every event: the draft's closure context is allocated only here.
  private judge(stored: StoredEvent, ev: Psi): readonly Observation[] {
    const some = psiSomePct(ev);
    // full has only the lagging avg10: it may raise the severity of a stall happening now, never start one.
    const full = some >= PSI_IO.some[0] ? ev.full_avg10 ?? 0 : 0;
    const severity = maxSeverity(ladderSeverity(some, PSI_IO.some), ladderSeverity(full, PSI_IO.full));
    const hold = some >= PSI_IO.someExit;
    const level = severity !== 'none' ? 'enter' : hold ? 'hold' : 'exit';
    return [new LazyObservation(KEY, ev.ts, level, metricGate(this.host.intervalS), severity, () => {
      const cpu = this.host.fresh(this.host.cpu, ev.ts);
      const blocked = this.host.blocked(ev.ts);
      const tops = [...this.host.ioTop.entries()].filter(([, t]) => Math.abs(ev.ts - t.ts) <= this.host.maxAgeS);
      const topIo = tops.map(([dev, t]) => ({ dev, pid: t.pid, start_time: processIdentity(t.pid, t.comm).startTime, comm: t.comm }));
      const culprit = topIo[0] ? `; top I/O: ${who(topIo[0].comm, topIo[0].pid)} on ${topIo[0].dev}`
        : blocked[0] ? `; waiting on I/O: ${who(blocked[0].comm, blocked[0].pid)}` : '';
      return {
        category: 'symptom', type: 'io_congestion', scope: 'system', label: 'I/O congestion', severity,
        // pressure_score = max(ladder(io some stall % this interval), ladder(io full avg10))
        score: Math.max(ladderScore(some, PSI_IO.some), ladderScore(full, PSI_IO.full)),
        summary: `I/O congestion: tasks stalled on I/O ${pct(some, 0)} of the time (PSI io some), all tasks at once ${pct(full, 0)} (full)` +
          (cpu ? `, iowait ${pct(cpu.iowait_pct, 0)}` : '') + culprit,
        patterns: [...(full >= PSI_IO.full[0] ? ['all_tasks_stalled'] : []), ...(blocked.length ? ['tasks_in_d_state'] : [])],
        hints: ['Find the device: block_device_saturation and device io_congestion signals name it',
          'The top I/O process (context top_io) is the first candidate for ionice'],
        entity: HOST,
        context: {
          some_avg10: ev.some_avg10, some_avg60: ev.some_avg60, full_avg10: ev.full_avg10 ?? null,
          stall_ms_per_s: ev.some_stall_ms_per_s, iowait_pct: cpu?.iowait_pct ?? null, procs_blocked: cpu?.procs_blocked ?? null,
          top_io: topIo, blocked_processes: blocked, interval_s: this.host.intervalS,
          thresholds: { some: PSI_IO.some, full: PSI_IO.full, some_exit: PSI_IO.someExit },
        },
        source: { table: stored.table, id: stored.rowId },
      };
    })];
  }
}
