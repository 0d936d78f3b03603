// clear_page_cache: write /proc/sys/vm/drop_caches. Irreversible (the cache
// refills from disk, at a cost), so it needs approval.
import fs from 'node:fs';
import { readMeminfo } from '../../lib/procfs/meminfo.js';
import { judgeStall } from './judge.js';
import type { ActionHandler } from './types.js';

export const dropCaches: ActionHandler = {
  spec: {
    name: 'clear_page_cache',
    description: 'Drop clean caches: 1 = page cache, 2 = dentries and inodes, 3 = both. Irreversible; caches refill from disk.',
    condition: 'reclaimable page cache and slab crowding out memory that is needed now',
    mechanism: '/proc/sys/vm/drop_caches: frees clean page cache and reclaimable slab (dirty pages stay)',
    risk: 'high',
    needsApproval: true,
    reversible: false,
    targetKind: 'system',
    params: { level: { kind: 'int', min: 1, max: 3, description: '1 page cache, 2 slab (dentries/inodes), 3 both' } },
  },
  async readPrior() {
    const info = readMeminfo();
    return { mem_available_kb: info?.get('MemAvailable') ?? null, cached_kb: info?.get('Cached') ?? null };
  },
  check: () => null,
  describe: (_t, p) => `write "${Number(p.level)}" to /proc/sys/vm/drop_caches`,
  async apply(_t, p) { fs.writeFileSync('/proc/sys/vm/drop_caches', String(Number(p.level))); },
  // Nothing to observe afterwards that proves it: the write succeeding is the effect.
  async isApplied() { return true; },
  judge: (before, after) => judgeStall(before, after, 'memStall'),
};
