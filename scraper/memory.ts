// /proc/meminfo: a gauge, so every round (the first included) yields an event.
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { parseMeminfo } from '../lib/procfs/meminfo.js';
import { round } from './rates.js';
import { join, readText, type SampleTime, type Source, type SourceContext } from './source.js';

export type MemoryFields = Omit<EventOf<'memory'>, 'v' | 'type' | 'ts'>;

export function memoryFields(info: Map<string, number>): MemoryFields {
  const get = (k: string): number => info.get(k) ?? 0;
  const total = info.get('MemTotal');
  if (!total) throw new Error(`meminfo: MemTotal missing or zero (${JSON.stringify(total)})`);
  // MemAvailable is the kernel's own estimate (3.14+); without it, the classic
  // free + buffers + cached estimate is the best we can do.
  const available = info.get('MemAvailable') ?? get('MemFree') + get('Buffers') + get('Cached');
  return {
    total_kb: total,
    free_kb: get('MemFree'),
    available_kb: available,
    buffers_kb: get('Buffers'),
    cached_kb: get('Cached'),
    swap_total_kb: get('SwapTotal'),
    swap_free_kb: get('SwapFree'),
    dirty_kb: get('Dirty'),
    writeback_kb: get('Writeback'),
    anon_kb: get('AnonPages'),
    shmem_kb: get('Shmem'),
    slab_kb: get('Slab'),
    used_fraction: round(Math.min(1, Math.max(0, 1 - available / total)), 4),
  };
}

export class MemorySource implements Source {
  readonly name = 'memory';
  constructor(private readonly ctx: SourceContext) {}

  sample(now: SampleTime): KsEvent[] {
    const info = parseMeminfo(readText(join(this.ctx.procRoot, 'meminfo')));
    return [makeEvent('memory', memoryFields(info), now.ts)];
  }
}
