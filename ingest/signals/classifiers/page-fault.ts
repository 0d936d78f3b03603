// PageFaultSemanticClassifier: fault RATES (never since-boot totals) become
// excessive_major_faults (each major fault waits for the disk) and page_fault_storm
// (minor faults so frequent the CPU does little else), system-wide and per process.
// System figures come from page_fault_tracer when it runs, else from /proc/vmstat:
// one source per condition at a time, so the gate never counts a sample twice.
import type { StoredEvent } from '../../observer.js';
import type { EventOf } from '../../../lib/events.js';
import { ladderScore, ladderSeverity, type Ladder } from '../severity.js';
import { dedupKey, HOST, LazyObservation, type Classifier, type Entity, NONE, type Observation } from '../signal.js';
import type { HostState } from '../host-state.js';
import { FAULTS, metricGate } from '../thresholds.js';
import { compact, who } from '../../../lib/format.js';
import { processEntity, processIdentity, processKey } from '../proc.js';

interface Rate { major: number; minor: number; intervalS: number }

export class PageFaultSemanticClassifier implements Classifier {
  readonly name = 'page-fault';
  readonly types = ['page_fault_summary', 'vmstat', 'page_fault'] as const;

  constructor(private readonly host: HostState) {}

  classify(stored: StoredEvent): readonly Observation[] {
    const ev = stored.event;
    switch (ev.type) {
      case 'page_fault_summary':
        if (ev.interval_s <= 0) return NONE;
        return this.system(stored, ev.ts, { major: ev.major / ev.interval_s, minor: ev.minor / ev.interval_s, intervalS: ev.interval_s }, 'page_fault_tracer');
      case 'vmstat':
        if (this.host.recently('page_fault_summary', ev.ts)) return NONE;
        return this.system(stored, ev.ts, { major: ev.pgmajfault_per_s, minor: ev.pgfault_per_s, intervalS: ev.interval_s }, 'vmstat');
      case 'page_fault':
        return ev.interval_s > 0 ? this.process(stored, ev) : NONE;
      default:
        return NONE;
    }
  }

  private system(stored: StoredEvent, ts: number, r: Rate, from: string): readonly Observation[] {
    const cpus = this.host.cpus;
    const minorPerCpu = r.minor / cpus;
    const mem = this.host.fresh(this.host.memory, ts);
    const ctx = { major_per_s: round(r.major), minor_per_s: round(r.minor), minor_per_s_per_cpu: round(minorPerCpu), cpus,
      interval_s: r.intervalS, from, available_kb: mem?.available_kb ?? null };
    return [
      this.obs(stored, ts, HOST, 'excessive_major_faults', r.major, FAULTS.majorPerS, r.intervalS,
        `${compact(r.major)} major page faults/s system-wide (each waits for the disk)`, ctx),
      this.obs(stored, ts, HOST, 'page_fault_storm', minorPerCpu, FAULTS.minorPerCpuPerS, r.intervalS,
        `${compact(r.minor)} page faults/s system-wide (${compact(minorPerCpu)} per CPU)`, ctx),
    ];
  }

  private process(stored: StoredEvent, ev: EventOf<'page_fault'>): readonly Observation[] {
    const major = ev.major / ev.interval_s;
    const minor = ev.minor / ev.interval_s;
    if (major < FAULTS.processMajorPerS[0] * FAULTS.exitFraction && minor < FAULTS.processMinorPerS[0] * FAULTS.exitFraction) {
      // Cheap path for the many quiet processes; an exit only matters for an open row.
      const startTime = processIdentity(ev.pid, ev.comm).startTime;
      const gate = metricGate(ev.interval_s);
      return [{ key: processKey('excessive_major_faults', ev.pid, startTime), ts: ev.ts, level: 'exit', gate },
        { key: processKey('page_fault_storm', ev.pid, startTime), ts: ev.ts, level: 'exit', gate }];
    }
    const ident = processIdentity(ev.pid, ev.comm);
    const entity = processEntity(ev.pid, ident.startTime, ev.comm);
    const ctx = { pid: ev.pid, start_time: ident.startTime, comm: ev.comm, major_per_s: round(major), minor_per_s: round(minor), interval_s: ev.interval_s };
    return [
      this.obs(stored, ev.ts, entity, 'excessive_major_faults', major, FAULTS.processMajorPerS, ev.interval_s,
        `${who(ev.comm, ev.pid)} takes ${compact(major)} major page faults/s (each waits for the disk)`, ctx),
      this.obs(stored, ev.ts, entity, 'page_fault_storm', minor, FAULTS.processMinorPerS, ev.interval_s,
        `${who(ev.comm, ev.pid)} takes ${compact(minor)} page faults/s`, ctx),
    ];
  }

  private obs(stored: StoredEvent, ts: number, entity: Entity, type: 'excessive_major_faults' | 'page_fault_storm',
    value: number, ladder: Ladder, intervalS: number, summary: string, ctx: Record<string, unknown>): Observation {
    const severity = ladderSeverity(value, ladder);
    const major = type === 'excessive_major_faults';
    const level = severity !== 'none' ? 'enter' : value >= ladder[0] * FAULTS.exitFraction ? 'hold' : 'exit';
    const key = dedupKey(type, entity);
    return new LazyObservation(key, ts, level, metricGate(intervalS), severity, () => ({
      category: 'symptom', type, scope: entity.type, label: major ? 'Excessive major page faults' : 'Page fault storm', severity,
      // pressure_score = ladder(faults/s) (minor faults: per CPU system-wide)
      score: ladderScore(value, ladder),
      summary,
      patterns: major ? ['major_faults', ...(this.host.memory && this.host.memory.swap_total_kb > 0 ? ['possible_swap_in'] : ['file_refaults'])]
        : ['minor_fault_storm'],
      hints: major
        ? ['Major faults read pages back from disk: memory pressure evicting the working set, or a cold mmap',
          'Compare with memory_pressure and swap_thrashing; the process list names who faults']
        : ['Huge numbers of minor faults: memory allocated and touched repeatedly (malloc churn, fork storms, THP splits)'],
      entity,
      context: { ...ctx, thresholds: { per_s: ladder, exit_fraction: FAULTS.exitFraction } },
      source: { table: stored.table, id: stored.rowId },
    }));
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;
