// System-wide counters the agent measures itself over a window (before and after
// an action), so VERIFY does not depend on the scraper's sampling phase.
import fs from 'node:fs';
import os from 'node:os';

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

function read(file: string): string | undefined {
  try { return fs.readFileSync(file, 'utf8'); } catch { return undefined; }
}

function psiSomeTotal(resource: string): number | undefined {
  const m = /^some .*total=(\d+)/m.exec(read(`/proc/pressure/${resource}`) ?? '');
  return m ? Number(m[1]) : undefined;
}

function netstatField(name: string): number {
  const lines = (read('/proc/net/netstat') ?? '').split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const keys = lines[i]!.split(' ');
    const idx = keys.indexOf(name);
    if (idx > 0 && keys[0] === 'TcpExt:') return Number(lines[i + 1]!.split(' ')[idx] ?? 0);
  }
  return 0;
}

/** [busy, total] ticks of one /proc/stat cpu line's fields. */
function cpuTicks(fields: string): [number, number] {
  // user nice system idle iowait irq softirq steal (guest is already inside user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields.trim().split(/\s+/).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return [busy, busy + idle + iowait];
}

export function readSystemCounters(): SystemCounters {
  const stat = read('/proc/stat') ?? '';
  const [busy, total] = cpuTicks(/^cpu (.*)$/m.exec(stat)?.[1] ?? '');
  const perCpuBusy: number[] = [];
  const perCpuTotal: number[] = [];
  for (const m of stat.matchAll(/^cpu(\d+) (.*)$/gm)) {
    const [b, t] = cpuTicks(m[2]!);
    perCpuBusy[Number(m[1])] = b;
    perCpuTotal[Number(m[1])] = t;
  }
  const vm = read('/proc/vmstat') ?? '';
  const vmField = (k: string) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(vm)?.[1] ?? 0);
  return {
    atMs: performance.now(),
    cpuBusy: busy,
    cpuTotal: total,
    perCpuBusy,
    perCpuTotal,
    psiCpuUs: psiSomeTotal('cpu'),
    psiIoUs: psiSomeTotal('io'),
    psiMemUs: psiSomeTotal('memory'),
    pswpin: vmField('pswpin'),
    pswpout: vmField('pswpout'),
    listenDrops: netstatField('ListenDrops'),
    procsRunning: Number(/^procs_running (\d+)$/m.exec(stat)?.[1] ?? 0),
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
