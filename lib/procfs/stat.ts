// /proc/stat: CPU time per CPU and in total (clock ticks), context switches, and
// the runnable/blocked task counts.
import path from 'node:path';
import { readOptional, toNumber } from './text.js';

export const CPU_TIMES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
/**
 * One cpu line's times. guest and guest_nice are left out: they are already
 * counted inside user and nice, and adding them would double count.
 */
export type CpuTimes = Record<(typeof CPU_TIMES)[number], number>;

export interface SystemStat {
  /** The aggregate "cpu" line. */
  readonly cpu: CpuTimes;
  /** Index = CPU number; CPUs the kernel does not print (offline, sparse numbering) are holes. */
  readonly perCpu: readonly CpuTimes[];
  /** Number of per-CPU lines: the CPUs the kernel reports on. */
  readonly cpus: number;
  readonly ctxt: number;
  readonly procsRunning: number;
  readonly procsBlocked: number;
}

/** Older kernels stop after idle/iowait/irq...; missing columns are zero. */
function cpuTimes(f: readonly string[], name: string): CpuTimes {
  const t = {} as CpuTimes;
  CPU_TIMES.forEach((k, i) => { t[k] = f[i + 1] === undefined ? 0 : toNumber(f[i + 1], `stat ${name} ${k}`); });
  return t;
}

export function parseSystemStat(text: string): SystemStat {
  let cpu: CpuTimes | undefined;
  const perCpu: CpuTimes[] = [];
  let cpus = 0;
  let ctxt = 0;
  let procsRunning = 0;
  let procsBlocked = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'cpu') cpu = f.length < 5 ? undefined : cpuTimes(f, 'cpu');
    else if (/^cpu\d+$/.test(f[0])) {
      perCpu[Number(f[0].slice(3))] = cpuTimes(f, f[0]);
      cpus++;
    } else if (f[0] === 'ctxt') ctxt = toNumber(f[1], 'stat ctxt');
    else if (f[0] === 'procs_running') procsRunning = toNumber(f[1], 'stat procs_running');
    else if (f[0] === 'procs_blocked') procsBlocked = toNumber(f[1], 'stat procs_blocked');
  }
  if (!cpu) throw new Error('stat: no aggregate "cpu" line');
  return { cpu, perCpu, cpus, ctxt, procsRunning, procsBlocked };
}

/** undefined when the file cannot be read or parsed. */
export function readSystemStat(root = '/proc'): SystemStat | undefined {
  const text = readOptional(path.join(root, 'stat'));
  try { return text === undefined ? undefined : parseSystemStat(text); } catch { return undefined; }
}
