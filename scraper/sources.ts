// The scraper's sources, in the order their events appear in a round.
import { CpuSource } from './cpu.js';
import { DiskSource } from './disks.js';
import { LoadSource } from './load.js';
import { MemorySource } from './memory.js';
import { NetworkSource } from './network.js';
import { PressureSource } from './pressure.js';
import { ProcessSource } from './processes.js';
import type { Source, SourceContext } from './source.js';
import { TcpSource } from './tcp.js';
import { VmstatSource } from './vmstat.js';

export interface SourceOptions {
  /** Processes per ranking (by CPU and by RSS). */
  readonly top: number;
  /** Include loop/ram block devices and the `lo` interface. */
  readonly includeLoop: boolean;
}

export function createSources(ctx: SourceContext, opts: SourceOptions): Source[] {
  return [
    new MemorySource(ctx),
    new LoadSource(ctx),
    new CpuSource(ctx),
    new DiskSource(ctx, { includeVirtual: opts.includeLoop }),
    new NetworkSource(ctx, { includeLoopback: opts.includeLoop }),
    new TcpSource(ctx),
    new PressureSource(ctx),
    new VmstatSource(ctx),
    new ProcessSource(ctx, { top: opts.top }),
  ];
}
