// clear_page_cache: write /proc/sys/vm/drop_caches. Irreversible (the cache
// refills from disk, at a cost), so it needs approval.
import fs from 'node:fs';
import { judgeStall } from './judge.js';
import type { ActionHandler } from './types.js';

function meminfoKb(field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export const dropCaches: ActionHandler = {
  spec: {
    name: 'clear_page_cache',
    description: 'Drop clean caches: 1 = page cache, 2 = dentries and inodes, 3 = both. Irreversible; caches refill from disk.',
    risk: 'high',
    needsApproval: true,
    reversible: false,
    targetKind: 'system',
    params: { level: { kind: 'int', min: 1, max: 3, description: '1 page cache, 2 slab (dentries/inodes), 3 both' } },
  },
  async readPrior() {
    return { mem_available_kb: meminfoKb('MemAvailable'), cached_kb: meminfoKb('Cached') };
  },
  check: () => null,
  describe: (_t, p) => `write "${Number(p.level)}" to /proc/sys/vm/drop_caches`,
  async apply(_t, p) { fs.writeFileSync('/proc/sys/vm/drop_caches', String(Number(p.level))); },
  // Nothing to observe afterwards that proves it: the write succeeding is the effect.
  async isApplied() { return true; },
  judge: (before, after) => judgeStall(before, after, 'memStallPct'),
};
