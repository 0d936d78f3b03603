// Every production threshold, in one place. Ladders are low / medium / high /
// critical (higher is worse); `exit` levels sit below the lowest enter level so a
// metric hovering at a threshold cannot flap a signal open and shut (hysteresis).
// Values marked (original) are the production values the original system meant to
// ship; the others are our engineering choices, explained beside them.
import { type Ladder } from './severity.js';
import type { Gate } from './signal.js';

export const MEMORY = {
  /** (original) fraction of RAM NOT available (1 - MemAvailable/MemTotal). Page cache counts as available. */
  used: [0.70, 0.85, 0.95, 0.98] as Ladder,
  usedExit: 0.65,
  /** PSI memory %: some = stalled during the last interval, full = avg10 (escalates only). */
  psiSome: [10, 20, 40, 60] as Ladder,
  psiFull: [5, 10, 20, 40] as Ladder,
  psiSomeExit: 5,
  /** With PSI present and below this, MemAvailable alone is at most "medium": no task is waiting for memory. */
  psiQuiet: 1,
};

export const OOM = {
  /** 1 - (MemAvailable + SwapFree) / MemTotal: how close both RAM and swap are to exhausted. */
  deficit: [0.90, 0.95, 0.97, 0.985] as Ladder,
  deficitExit: 0.85,
  /** Seconds until MemAvailable reaches zero at the current rate of decline (medium, high). */
  exhaustionS: { medium: 60, high: 20 },
  /** Only project a decline when this much RAM is already in use (avoids alarms on a fresh large allocation). */
  trendMinUsed: 0.75,
  /** An OOM kill keeps its signal open this long after the last kill. */
  killStaleS: 300,
};

export const SWAP = {
  /** pswpin + pswpout pages/s (4 KiB pages: 0.4 / 2 / 8 / 40 MiB/s). */
  pagesPerS: [100, 500, 2000, 10000] as Ladder,
  exitPagesPerS: 50,
  /** Thrashing is pages moving both ways: each direction at least this many pages/s. */
  bothWaysMin: 10,
};

export const CPU = {
  /** A CPU cannot be saturated while it idles: busy_pct enter / exit. */
  busyEnter: 90,
  busyExit: 80,
  /** (original) load1 per CPU, medium 2 / high 4 / critical 8; low at 1.25. */
  loadPerCpu: [1.25, 2, 4, 8] as Ladder,
  /** Runnable tasks (procs_running minus the scraper itself) per CPU, same scale as load. */
  runnablePerCpu: [1.25, 2, 4, 8] as Ladder,
  /** PSI cpu some % over the last interval: near 100 once any task waits, so alone it never goes past medium. */
  psiSome: [10, 40, 1e9, 1e9] as Ladder,
  holdPerCpu: 1.0,
  holdPsi: 5,
};

export const RUNAWAY = {
  /** % of one CPU (top style) a single process must hold ... */
  cpuPct: 90,
  exitCpuPct: 70,
  /** ... for this long before it is a runaway, not a burst. */
  seconds: 60,
};

export const SCHED = {
  /** System run-queue latency p95 in ms (sched_tracer): time runnable tasks wait for a CPU. */
  runqP95Ms: [5, 10, 50, 200] as Ladder,
  runqExitMs: 3,
  /** Context switches per second per CPU: a storm, not a busy machine (5-20k is normal). */
  switchesPerCpu: [50_000, 100_000, 200_000, 500_000] as Ladder,
  switchesExitPerCpu: 30_000,
};

export const FAULTS = {
  /** Major faults/s (each one waits for the disk). System-wide and per process. */
  majorPerS: [50, 200, 1000, 5000] as Ladder,
  processMajorPerS: [20, 100, 500, 2000] as Ladder,
  /** Minor faults/s per CPU: cheap one by one, a storm when the kernel does little else. */
  minorPerCpuPerS: [100_000, 250_000, 500_000, 1_000_000] as Ladder,
  processMinorPerS: [100_000, 250_000, 500_000, 1_000_000] as Ladder,
  exitFraction: 0.5, // exit below half the low level
};

export const BLOCK = {
  /** % of the interval with I/O in flight. */
  utilEnter: 85,
  utilExit: 60,
  /** Average requests in the device queue (aqu-sz). */
  queueDepth: [2, 4, 16, 64] as Ladder,
  /** Average ms per completed request. */
  awaitMs: [20, 50, 100, 500] as Ladder,
  queueExit: 1,
  awaitExitMs: 10,
  /** Not real disks: their queues say nothing about storage. */
  ignore: /^(loop|ram|zram|sr|fd|nbd)\d*/,
};

export const IO_LATENCY = {
  /** Block request latency p95 in ms from io_latency_tracer, per device and op. */
  p95Ms: [20, 50, 100, 500] as Ladder,
  exitMs: 10,
  /** Percentiles from fewer requests than this are noise (the original's failure 6). */
  minCount: 10,
};

export const PSI_IO = {
  /**
   * io some % stalled during the last interval (delta of `total`). One task doing
   * synchronous I/O (a cp, a backup) alone drives "some" toward 100%, so some
   * stops at medium; high and critical need "full" (avg10): every non-idle task
   * stalled on I/O at once, i.e. the machine's work is waiting for the disk.
   */
  some: [20, 50, 1e9, 1e9] as Ladder,
  full: [10, 20, 40, 60] as Ladder,
  someExit: 10,
};

export const NET = {
  /** (errors + drops) / (packets + errors + drops), as a fraction: 0.01% / 0.1% / 1% / 5%. */
  badRatio: [0.0001, 0.001, 0.01, 0.05] as Ladder,
  minBadPerS: 1,
  exitBadPerS: 0.5,
  ignore: /^lo$/,
};

export const TCP = {
  /** (original) TIME_WAIT > 1000, critical 5000; CLOSE_WAIT > 100; SYN_RECV > 500. */
  timeWait: [1000, 2000, 3500, 5000] as Ladder,
  closeWait: [100, 200, 500, 1000] as Ladder,
  synRecv: [500, 1000, 2000, 4000] as Ladder,
  exitFraction: 0.8,
  /** Retransmitted / sent segments: 1% / 2% / 5% / 10%, once there is enough traffic to judge. */
  retransRatio: [0.01, 0.02, 0.05, 0.10] as Ladder,
  retransMinPerS: 2,
  retransMinOutSegsPerS: 20,
  retransExitRatio: 0.005,
};

export const SYSCALL = {
  /** (original) per-call latency ms by class. */
  blockingIoMs: [10, 50, 100, 500] as Ladder,
  lockContentionMs: [10, 25, 50, 100] as Ladder,
  otherMs: [10, 100, 500, 1000] as Ladder,
  /** Open after this many slow calls (>= low) in the window, or one at or above the high level. */
  burstCount: 3,
  windowS: 10,
  /** Resolve when the process has made no slow call of that class for this long. */
  staleS: 30,
};

export const BASELINE = {
  /** Samples before a baseline may judge (about 5 min at the default 5 s scrape). */
  minSamples: 60,
  zEnter: 4,
  zExit: 2,
  zMedium: 8,
  /** EWMA weight of a new sample: a rolling window of roughly 1/alpha = 50 samples. */
  alpha: 0.02,
  persistEveryS: 30,
  maxMetrics: 256,
};

const gates = new Map<number, Map<number, Gate>>();

/** Scraped metrics: 2 samples in, 2 samples out; stale after 4 intervals (at least 60 s). */
export function metricGate(intervalS: number, enterSamples = 2): Gate {
  // Asked for on every sample with the same few arguments: hand out shared, frozen gates.
  let byInterval = gates.get(enterSamples);
  if (!byInterval) gates.set(enterSamples, byInterval = new Map());
  let gate = byInterval.get(intervalS);
  if (!gate) {
    if (byInterval.size >= 64) byInterval.clear();
    gate = Object.freeze({ enterSamples, exitSamples: 2, staleS: Math.max(60, 4 * intervalS) });
    byInterval.set(intervalS, gate);
  }
  return gate;
}

/** Staleness for rows reloaded after a restart, before any new observation sets it. */
export function staleForType(type: string): number {
  if (type === 'oom_risk') return OOM.killStaleS;
  if (type === 'runaway_process') return 120;
  return 60;
}
