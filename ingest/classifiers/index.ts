// The signal engine ingest runs: every stored event goes to the six classifiers
// and the baselines; their observations go through the signal store (hysteresis,
// duration gates, dedup) into signal_metadata. A classifier that throws loses
// that one event's signals, never ingest's batch: errors are counted and reported.
import type { Db } from '../../lib/db.js';
import type { EventObserver, StoredEvent } from '../observer.js';
import { HostState } from './host-state.js';
import { SignalStore } from './signal-store.js';
import { BaselineTracker } from './baselines.js';
import { staleForType } from './thresholds.js';
import type { Classifier } from './signal.js';
import { SyscallSemanticClassifier } from './syscall.js';
import { SchedulerSemanticClassifier } from './scheduler.js';
import { PageFaultSemanticClassifier } from './page-fault.js';
import { SystemMetricsClassifier } from './system-metrics.js';
import { IoLatencyClassifier } from './io-latency.js';
import { PsiClassifier } from './psi.js';

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

  const handle = (db: Db, s: StoredEvent): void => {
    for (const c of classifiers) {
      try {
        for (const o of c.classify(s)) store.apply(db, o);
      } catch (err) { fail(c.name, err); }
    }
    try {
      for (const o of baselines.observe(s)) store.apply(db, o);
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
      for (const s of batch) {
        try { host.update(s.event); } catch (err) { fail('host-state', err); }
      }
      for (const s of batch) handle(db, s);
      try { store.flush(db); } catch (err) { fail('store', err); }
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
