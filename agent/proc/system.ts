// System-wide counters the agent measures itself over a window (before and after
// an action), so VERIFY does not depend on the scraper's sampling phase.
import os from 'node:os';
import { readNetstat } from '../../lib/procfs/net.js';
import { readPressure } from '../../lib/procfs/pressure.js';
import { readSystemStat, type CpuTimes } from '../../lib/procfs/stat.js';
import { readVmstat } from '../../lib/procfs/vmstat.js';

export interface SystemCounters {
  readonly atMs: number;
  /** All CPUs, clock ticks. */
  readonly cpuBusy: number;
  readonly cpuTotal: number;
  /** Per CPU (index = CPU number), clock ticks. */
  readonly perCpuBusy: readonly number[];
  readonly perCpuTotal: readonly number[];
  /** PSI "some" totals, microseconds; undefined where /proc/pressure is missing. */
  readonly psiCpuUs?: number;
  readonly psiIoUs?: number;
  readonly psiMemUs?: number;
  readonly pswpin: number;
  readonly pswpout: number;
  readonly listenDrops: number;
  readonly procsRunning: number;
}

export interface SystemWindow {
  readonly seconds: number;
  readonly cpus: number;
  /** Busy share of all CPUs, 0..100. */
  readonly busyPct: number;
  /** Busy CPU time in "percent of one CPU" (0..cpus*100), comparable with a process's cpu_pct. */
  readonly busyCpuPct: number;
  /** Busy share of each CPU, 0..100 (index = CPU number; offline CPUs are absent). */
  readonly perCpuBusyPct: readonly number[];
  /** Share of wall time at least one task stalled on the resource, 0..100. */
  readonly cpuStallPct?: number;
  readonly ioStallPct?: number;
  readonly memStallPct?: number;
  readonly swapPagesPerS: number;
  readonly listenDropsPerS: number;
  readonly procsRunning: number;
}

/** [busy, total] ticks of one cpu line (guest time is already inside user). */
function busyTotal(t: CpuTimes | undefined): [number, number] {
  if (!t) return [0, 0];
  const busy = t.user + t.nice + t.system + t.irq + t.softirq + t.steal;
  return [busy, busy + t.idle + t.iowait];
}

export function readSystemCounters(): SystemCounters {
  const stat = readSystemStat();
  const [busy, total] = busyTotal(stat?.cpu);
  const perCpuBusy: number[] = [];
  const perCpuTotal: number[] = [];
  stat?.perCpu.forEach((t, cpu) => { [perCpuBusy[cpu], perCpuTotal[cpu]] = busyTotal(t); });
  const vm = readVmstat();
  return {
    atMs: performance.now(),
    cpuBusy: busy,
    cpuTotal: total,
    perCpuBusy,
    perCpuTotal,
    psiCpuUs: readPressure('cpu')?.some.total,
    psiIoUs: readPressure('io')?.some.total,
    psiMemUs: readPressure('memory')?.some.total,
    pswpin: vm?.get('pswpin') ?? 0,
    pswpout: vm?.get('pswpout') ?? 0,
    listenDrops: readNetstat()?.get('TcpExt')?.get('ListenDrops') ?? 0,
    procsRunning: stat?.procsRunning ?? 0,
  };
}

export function diffSystem(a: SystemCounters, b: SystemCounters): SystemWindow {
  const seconds = Math.max(1e-3, (b.atMs - a.atMs) / 1000);
  const cpus = os.availableParallelism();
  const total = Math.max(1, b.cpuTotal - a.cpuTotal);
  const busyPct = (100 * (b.cpuBusy - a.cpuBusy)) / total;
  const stall = (x?: number, y?: number) => (x === undefined || y === undefined ? undefined : Math.min(100, (y - x) / (seconds * 1e4)));
  return {
    seconds,
    cpus,
    busyPct,
    busyCpuPct: busyPct * cpus,
    perCpuBusyPct: b.perCpuBusy.map((x, i) => (100 * (x - (a.perCpuBusy[i] ?? x))) / Math.max(1, b.perCpuTotal[i]! - (a.perCpuTotal[i] ?? 0))),
    cpuStallPct: stall(a.psiCpuUs, b.psiCpuUs),
    ioStallPct: stall(a.psiIoUs, b.psiIoUs),
    memStallPct: stall(a.psiMemUs, b.psiMemUs),
    swapPagesPerS: (b.pswpin - a.pswpin + b.pswpout - a.pswpout) / seconds,
    listenDropsPerS: (b.listenDrops - a.listenDrops) / seconds,
    procsRunning: b.procsRunning,
  };
}
