// /sys/block/<dev>/stat for whole disks (sysfs lists no partitions there):
// per-interval IOPS, throughput, utilisation, average queue size and await,
// computed the way iostat -x does. Field layout: Documentation/block/stat.rst.
import fs from 'node:fs';
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { toNumber } from '../lib/procfs/text.js';
import { CounterSet, pct, perSecond, round, type Deltas } from './rates.js';
import { join, readText, type SampleTime, type Source, type SourceContext } from './source.js';

export const BLOCK_COUNTERS = [
  'reads', 'read_sectors', 'read_ticks', 'writes', 'write_sectors', 'write_ticks', 'io_ticks', 'time_in_queue',
] as const;
export type BlockCounter = (typeof BLOCK_COUNTERS)[number];

export interface BlockStat {
  counters: Record<BlockCounter, number>;
  in_flight: number;
}

/** One stat file (11, 15 or 17 fields depending on kernel version). */
export function parseBlockStat(text: string): BlockStat {
  const f = text.trim().split(/\s+/);
  if (f.length < 11) throw new Error(`block stat: expected >= 11 fields, got ${f.length}: ${JSON.stringify(text.slice(0, 120))}`);
  const n = (i: number, name: string): number => toNumber(f[i], `block stat ${name}`);
  return {
    counters: {
      reads: n(0, 'reads'), read_sectors: n(2, 'read_sectors'), read_ticks: n(3, 'read_ticks'),
      writes: n(4, 'writes'), write_sectors: n(6, 'write_sectors'), write_ticks: n(7, 'write_ticks'),
      io_ticks: n(9, 'io_ticks'), time_in_queue: n(10, 'time_in_queue'),
    },
    in_flight: n(8, 'in_flight'),
  };
}

/** loop and ram devices are images and RAM disks, noise for a host view; zram is real swap. */
export function isVirtualDisk(dev: string): boolean {
  return /^(loop|ram)\d*$/.test(dev);
}

export function blockFields(dev: string, stat: BlockStat, deltas: Deltas<BlockCounter>): Omit<EventOf<'block'>, 'v' | 'type' | 'ts'> {
  const d = deltas.d;
  const s = deltas.interval_s;
  const elapsedMs = s * 1000;
  const ios = d.reads + d.writes;
  return {
    interval_s: round(s, 4),
    dev: dev.slice(0, 32),
    reads_per_s: perSecond(d.reads, s),
    writes_per_s: perSecond(d.writes, s),
    // The stat file counts 512-byte sectors whatever the device's sector size.
    read_kb_per_s: perSecond((d.read_sectors * 512) / 1024, s),
    write_kb_per_s: perSecond((d.write_sectors * 512) / 1024, s),
    util_pct: pct(d.io_ticks, elapsedMs),
    queue_depth: round(d.time_in_queue / elapsedMs, 3),
    in_flight: stat.in_flight,
    await_ms: ios > 0 ? round((d.read_ticks + d.write_ticks) / ios, 3) : 0,
  };
}

export interface DiskOptions {
  /** Include loop* and ram* devices (skipped by default). */
  readonly includeVirtual?: boolean;
}

export class DiskSource implements Source {
  readonly name = 'disks';
  private readonly counters = new CounterSet<BlockCounter>();
  constructor(private readonly ctx: SourceContext, private readonly opts: DiskOptions = {}) {}

  sample(now: SampleTime): KsEvent[] {
    const dir = join(this.ctx.sysRoot, 'block');
    const devs = fs.readdirSync(dir).filter((d) => this.opts.includeVirtual || !isVirtualDisk(d)).sort();
    const events: KsEvent[] = [];
    const seen = new Set<string>();
    for (const dev of devs) {
      let text: string;
      try {
        text = readText(join(dir, dev, 'stat'));
      } catch {
        continue; // removed between readdir and read (hot-unplug): not an error
      }
      const stat = parseBlockStat(text);
      seen.add(dev);
      const deltas = this.counters.update(dev, stat.counters, now.mono);
      if (deltas) events.push(makeEvent('block', blockFields(dev, stat, deltas), now.ts));
    }
    this.counters.retain(seen);
    return events;
  }
}
