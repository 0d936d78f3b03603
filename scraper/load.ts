// /proc/loadavg with the real number of online CPUs (the original hard-wired 4,
// so "load per CPU" was wrong on every other machine).
import os from 'node:os';
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { parseCpuList } from '../lib/procfs/cpulist.js';
import { toNumber } from '../lib/procfs/text.js';
import { round } from './rates.js';
import { isUnavailable, join, readText, type SampleTime, type Source, type SourceContext } from './source.js';

export interface Loadavg {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable scheduling entities right now (includes the reader itself). */
  runnable: number;
  total_threads: number;
}

export function parseLoadavg(text: string): Loadavg {
  const f = text.trim().split(/\s+/);
  const m = /^(\d+)\/(\d+)$/.exec(f[3] ?? '');
  if (f.length < 4 || !m) throw new Error(`loadavg: unexpected format ${JSON.stringify(text.slice(0, 80))}`);
  return {
    load1: toNumber(f[0], 'loadavg load1'),
    load5: toNumber(f[1], 'loadavg load5'),
    load15: toNumber(f[2], 'loadavg load15'),
    runnable: Number(m[1]),
    total_threads: Number(m[2]),
  };
}

export function loadFields(avg: Loadavg, cpus: number): Omit<EventOf<'load'>, 'v' | 'type' | 'ts'> {
  return { ...avg, cpus, load1_per_cpu: round(avg.load1 / Math.max(1, cpus), 3) };
}

/** Online CPUs from sysfs (hotplug-aware), else what Node sees. */
export function onlineCpus(sysRoot: string): number {
  try {
    const n = parseCpuList(readText(join(sysRoot, 'devices/system/cpu/online'))).length;
    if (n > 0) return n;
  } catch (err) {
    if (!isUnavailable(err)) throw err;
  }
  return os.availableParallelism();
}

export class LoadSource implements Source {
  readonly name = 'load';
  constructor(private readonly ctx: SourceContext) {}

  sample(now: SampleTime): KsEvent[] {
    const avg = parseLoadavg(readText(join(this.ctx.procRoot, 'loadavg')));
    return [makeEvent('load', loadFields(avg, onlineCpus(this.ctx.sysRoot)), now.ts)];
  }
}
