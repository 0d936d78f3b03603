// The signal engine ingest runs: every stored event goes to the six classifiers
// and the baselines; their observations go through the signal store (hysteresis,
// duration gates, dedup) into signal_metadata. A classifier that throws loses
// that one event's signals, never ingest's batch: errors are counted and reported.
//
// pressure_score per signal type (ladder(x): 0 / 0.25 / 0.5 / 0.75 / 1 at 0 / low /
// medium / high / critical of that metric, linear between; see README.md):
//   memory_pressure          max(ladder(1 - avail/total), ladder(PSI some), ladder(PSI full))
//   oom_risk                 max(ladder(1 - (avail+swap free)/total), 1 - seconds_to_exhaustion/120); kill: 1
//   swap_thrashing           ladder(pswpin + pswpout pages/s)
//   cpu_saturation           busy/100 * max(ladder(runnable/CPU), ladder(load1/CPU), ladder(PSI cpu some))
//   runaway_process          cpu_pct / (100 * cpus)
//   scheduler_thrashing      max(ladder(run-queue p95 ms), ladder(switches/s per CPU))
//   io_congestion (system)   max(ladder(PSI io some), ladder(PSI io full))
//   io_congestion (device)   ladder(p95 ms)
//   block_device_saturation  util/100 * max(ladder(queue depth), ladder(await ms))
//   <syscall class>          ladder(worst call latency ms in the 10 s window)
//   excessive_major_faults   ladder(major faults/s);  page_fault_storm: ladder(minor faults/s [per CPU])
//   network_degradation      ladder((errors + drops) / packets)
//   tcp_exhaustion           max(ladder(TIME_WAIT), ladder(CLOSE_WAIT), ladder(SYN_RECV))
//   tcp_retransmits          ladder(retransmitted / sent segments)
//   baseline_anomaly         min(1, z / 16)
import type { Db } from '../../lib/db.js';
import { EVENT_TYPES, type EventType } from '../../lib/events.js';
import type { EventObserver, StoredEvent } from '../observer.js';
import { HostState } from './host-state.js';
import { SignalStore } from './signal-store.js';
import { BaselineTracker } from './classifiers/baselines.js';
import { BASELINED_TYPES } from './classifiers/baseline-metrics.js';
import { staleForType } from './thresholds.js';
import type { Classifier, Observation } from './signal.js';
import { SyscallSemanticClassifier } from './classifiers/syscall.js';
import { SchedulerSemanticClassifier } from './classifiers/scheduler.js';
import { PageFaultSemanticClassifier } from './classifiers/page-fault.js';
import { SystemMetricsClassifier } from './classifiers/system-metrics.js';
import { IoLatencyClassifier } from './classifiers/io-latency.js';
import { PsiClassifier } from './classifiers/psi.js';

export interface SignalEngineOptions {
  /** CPU count; default: what the scraper reports from /proc/stat, else os.cpus(). */
  readonly cpus?: number;
  /** Seconds between baseline_snapshots writes (default 30). */
  readonly persistEveryS?: number;
  /** Told about a classifier error (rate-limit it: it can repeat for every event). */
  readonly onError?: (where: string, err: unknown) => void;
}

export interface SignalEngineStats {
  opened: number;
  updated: number;
  resolved: number;
  errors: number;
}

export interface SignalEngine extends EventObserver {
  readonly stats: () => SignalEngineStats;
  /** Write pending baselines now (call on shutdown, inside or outside a transaction). */
  flush(db: Db, nowS?: number): void;
}

export function createSignalEngine(opts: SignalEngineOptions = {}): SignalEngine {
  const host = new HostState(opts.cpus);
  const store = new SignalStore(staleForType);
  const baselines = new BaselineTracker(host, { persistEveryS: opts.persistEveryS });
  const classifiers: Classifier[] = [
    new SyscallSemanticClassifier(), new SchedulerSemanticClassifier(host), new PageFaultSemanticClassifier(host),
    new SystemMetricsClassifier(host), new IoLatencyClassifier(), new PsiClassifier(host),
  ];
  let errors = 0;
  const fail = (where: string, err: unknown): void => { errors++; opts.onError?.(where, err); };

  // handle runs for every stored event: each type goes only to the classifiers
  // that look at it (in list order), through indexed loops.
  const byType = new Map(EVENT_TYPES.map((t) => [t, classifiers.filter((c) => c.types.includes(t))]));
  const baselined = new Set<EventType>(BASELINED_TYPES);
  const applyAll = (db: Db, obs: readonly Observation[]): void => {
    for (let i = 0; i < obs.length; i++) store.apply(db, obs[i]);
  };
  const handle = (db: Db, s: StoredEvent): void => {
    const mine = byType.get(s.event.type) ?? [];
    for (let i = 0; i < mine.length; i++) {
      try {
        applyAll(db, mine[i].classify(s));
      } catch (err) { fail(mine[i].name, err); }
    }
    if (!baselined.has(s.event.type)) return;
    try {
      applyAll(db, baselines.observe(s));
    } catch (err) { fail('baselines', err); }
  };

  // tick() may run outside ingest's transaction: group its writes into one.
  const inTx = (db: Db, fn: () => void): void => (db.inTransaction ? fn() : db.transaction(fn).immediate());

  return {
    observe(db, batch) {
      store.load(db);
      baselines.load(db);
      // State first: a scrape round's cpu line is judged with the same round's
      // process list and PSI, whichever order the scraper printed them in.
      for (let i = 0; i < batch.length; i++) {
        try { host.update(batch[i].event); } catch (err) { fail('host-state', err); }
      }
      for (let i = 0; i < batch.length; i++) handle(db, batch[i]);
      try { store.flushDue(db); } catch (err) { fail('store', err); }
    },
    tick(db, nowS) {
      try {
        inTx(db, () => {
          store.expire(db, nowS);
          baselines.load(db);
          baselines.persist(db, nowS);
        });
      } catch (err) { fail('tick', err); }
    },
    flush(db, nowS = Date.now() / 1000) {
      inTx(db, () => {
        store.flush(db);
        baselines.persist(db, nowS, true);
      });
    },
    stats: () => ({ ...store.stats, errors }),
  };
}
