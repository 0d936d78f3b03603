// SyscallSemanticClassifier: slow system calls (>= 10 ms, filtered in the kernel)
// become per-process, per-class signals ("postgres (pid 812) fsync() blocked 240 ms").
// Idle waits are dropped first (syscall-classes.ts). A signal opens after
// SYSCALL.burstCount slow calls of one class within SYSCALL.windowS seconds, or at
// once for one call at or above the class's "high" latency; it resolves when the
// process has made no slow call of that class for SYSCALL.staleS seconds.
import type { StoredEvent } from '../../observer.js';
import type { EventOf } from '../../../lib/events.js';
import { ladderScore, ladderSeverity } from '../severity.js';
import { LazyObservation, type Classifier, type Gate, NONE, type Observation } from '../signal.js';
import { CallWindow, callAt, snapshotCounts, snapshotMedian, worstMs, type WindowSnapshot } from './call-window.js';
import { FD_DEPENDENT, judgeSyscall, ladderFor, type SyscallClass } from './syscall-classes.js';
import { fdKind, processEntity, processIdentity, processKey } from '../proc.js';
import { SYSCALL } from '../thresholds.js';
import { ms, who } from '../../../lib/format.js';


const GATE: Gate = { enterSamples: 1, exitSamples: Number.POSITIVE_INFINITY, staleS: SYSCALL.staleS };
const WINDOW_CAP = 256;

const LABELS: Record<SyscallClass, string> = {
  blocking_io: 'Slow blocking I/O', async_io: 'Slow async I/O', lock_contention: 'Lock contention',
  memory_management: 'Slow memory management calls', network: 'Slow network calls', file_system: 'Slow file-system calls',
  process_management: 'Slow process management calls', signal_handling: 'Slow signal handling',
  timer: 'Slow timer calls', other: 'Slow system calls',
};

const HINTS: Partial<Record<SyscallClass, string[]>> = {
  blocking_io: ['Check the device behind the file: io_congestion / block_device_saturation signals for it',
    'fsync-heavy writers: batch commits, or move the data to a faster device',
    'Other processes competing for the same device show up in the io_latency top_pid'],
  lock_contention: ['Threads of this process wait for each other on a lock',
    'Compare with CPU saturation: a lock holder that is descheduled makes every waiter slow'],
  network: ['Writes block when the peer or the network does not drain the socket buffer',
    'Look at tcp_retransmits and network_degradation signals'],
  file_system: ['Metadata operations (open, stat, rename) wait for the file system journal or a slow mount'],
  memory_management: ['mmap/munmap/brk wait on the mm lock or on reclaim: check memory_pressure'],
};

export class SyscallSemanticClassifier implements Classifier {
  readonly name = 'syscall';
  readonly types = ['syscall'] as const;
  private readonly windows = new Map<string, CallWindow>();
  readonly stats = { idle: 0, reported: 0 };

  classify(stored: StoredEvent): readonly Observation[] {
    const ev = stored.event;
    return ev.type === 'syscall' ? this.judge(stored, ev) : NONE;
  }

  // Apart from classify, which sees every event: the draft's closure context is allocated only here.
  private judge(stored: StoredEvent, ev: EventOf<'syscall'>): readonly Observation[] {
    const kind = FD_DEPENDENT.has(ev.syscall) && ev.fd !== undefined && ev.fd >= 0 ? fdKind(ev.pid, ev.fd) : undefined;
    const verdict = judgeSyscall(ev.syscall, ev.comm, kind);
    if (verdict.idle) { this.stats.idle++; return NONE; }
    const cls = verdict.cls;
    const ladder = ladderFor(cls);
    if (ev.latency_ms < ladder[0]) return NONE;
    this.stats.reported++;

    const ident = processIdentity(ev.pid, ev.comm);
    const key = processKey(cls, ev.pid, ident.startTime);
    const win = this.window(key, ev, stored.rowId);
    const count = win.end - win.start;
    const severity = ladderSeverity(worstMs(win), ladder);
    const burst = count >= SYSCALL.burstCount || worstMs(win) >= ladder[2];

    return [new LazyObservation(key, ev.ts, burst ? 'enter' : 'hold', GATE, severity, () => {
      const worst = callAt(win, win.worst);
      const median = snapshotMedian(win);
      const bySyscall = snapshotCounts(win);
      const summary = `${who(ev.comm, ev.pid)} ${worst.syscall}() blocked ${ms(worst.ms)}` +
        (count > 1 ? `; ${count} slow ${cls} calls in the last ${SYSCALL.windowS} s (median ${ms(median)})` : '');
      return {
        category: 'symptom', type: cls, scope: 'process', label: LABELS[cls], severity,
        // Score: the worst call's latency on the class ladder (10 ms -> 0.25 ... critical -> 1).
        score: ladderScore(worst.ms, ladder),
        summary,
        patterns: [...Object.keys(bySyscall).map((s) => `slow_${s}`), count >= SYSCALL.burstCount ? 'repeated' : 'single_outlier'],
        hints: HINTS[cls] ?? ['A call of this class took unusually long: see the worst call in context_json'],
        entity: processEntity(ev.pid, ident.startTime, ev.comm),
        context: {
          pid: ev.pid, start_time: ident.startTime, comm: ev.comm, syscall_class: cls,
          window_s: SYSCALL.windowS, slow_calls: count, median_ms: median, by_syscall: bySyscall,
          worst: { syscall: worst.syscall, latency_ms: worst.ms, tid: worst.tid, fd: worst.fd ?? null, ret: worst.ret,
            errno: worst.errno ?? null, source_id: worst.rowId },
          fd_kind: kind ?? null, thresholds_ms: ladder,
        },
        source: { table: stored.table, id: stored.rowId },
      };
    }, false)];
  }

  /** Slow calls of one process+class within the window, this one included. */
  private window(key: string, call: EventOf<'syscall'>, rowId: number): WindowSnapshot {
    let w = this.windows.get(key);
    if (!w) { w = new CallWindow(SYSCALL.windowS, WINDOW_CAP); this.windows.set(key, w); }
    const snap = w.add(call, rowId);
    if (this.windows.size > 2048) {
      const since = call.ts - SYSCALL.windowS;
      for (const [k, v] of this.windows) if (v.lastTs <= since) this.windows.delete(k);
    }
    return snap;
  }
}

