// sysctl_check: kernel settings that matter for the conditions KernelSight
// watches, read from /proc/sys and compared with ranges that suit a general
// server, each with the reason. Advice only: chat changes nothing.
import { readSysctl } from '../../lib/procfs/sysctl.js';
import type { ChatTool } from './types.js';

interface Rule {
  readonly key: string;
  readonly min?: number;
  readonly max?: number;
  readonly allowed?: readonly number[];
  readonly recommended: string;
  readonly why: string;
}

export const SYSCTL_RULES: readonly Rule[] = [
  { key: 'vm.swappiness', min: 1, max: 60, recommended: '1..60 (10 for latency-sensitive servers)', why: 'higher values swap out anonymous memory early, which shows up as major faults and I/O stalls under memory pressure' },
  { key: 'vm.dirty_ratio', min: 5, max: 20, recommended: '5..20', why: 'a large dirty limit lets writers build a big backlog, then every writer stalls while it is flushed' },
  { key: 'vm.dirty_background_ratio', min: 1, max: 10, recommended: '1..10 and below vm.dirty_ratio', why: 'background writeback should start well before writers are throttled' },
  { key: 'vm.overcommit_memory', allowed: [0], recommended: '0 (heuristic)', why: '1 never refuses an allocation, leaving the OOM killer to decide later; 2 can make ordinary allocations fail' },
  { key: 'vm.vfs_cache_pressure', min: 50, max: 200, recommended: '50..200 (default 100)', why: 'extreme values either starve the page cache or let dentry/inode caches crowd out applications' },
  { key: 'vm.min_free_kbytes', min: 16384, recommended: '>= 16384', why: 'too small a reserve makes atomic allocations fail and direct reclaim frequent under pressure' },
  { key: 'net.core.somaxconn', min: 1024, recommended: '>= 1024 (kernel default 4096)', why: 'a short accept queue drops connections during bursts (listen drops, SYN retries)' },
  { key: 'net.ipv4.tcp_max_syn_backlog', min: 1024, recommended: '>= 1024', why: 'half-open connections beyond the backlog are dropped during connection bursts' },
  { key: 'net.ipv4.tcp_fin_timeout', min: 15, max: 60, recommended: '15..60 s', why: 'long FIN-WAIT-2 timeouts keep dead connections and their memory around' },
  { key: 'net.ipv4.tcp_tw_reuse', allowed: [1, 2], recommended: '1 or 2', why: 'reusing TIME_WAIT sockets for outgoing connections avoids ephemeral port exhaustion' },
  { key: 'net.core.netdev_max_backlog', min: 1000, recommended: '>= 1000', why: 'packets beyond this per-CPU backlog are dropped before the stack sees them' },
  { key: 'fs.file-max', min: 65536, recommended: '>= 65536', why: 'running out of file handles fails opens and accepts system-wide' },
  { key: 'kernel.panic_on_oom', allowed: [0], recommended: '0', why: 'non-zero turns every OOM into a reboot' },
];

export interface SysctlResult {
  readonly key: string;
  readonly value: string | null;
  readonly recommended: string;
  readonly status: 'ok' | 'outside_recommended' | 'unreadable';
  readonly why: string;
}

export function checkSysctls(root = '/proc/sys'): SysctlResult[] {
  const values = new Map(SYSCTL_RULES.map((r) => [r.key, readSysctl(r.key, root)]));
  return SYSCTL_RULES.map((r) => {
    const value = values.get(r.key) ?? null;
    const n = value === null ? NaN : Number(value.split(/\s+/)[0]);
    let ok = Number.isFinite(n);
    if (ok && r.allowed) ok = r.allowed.includes(n);
    if (ok && r.min !== undefined) ok = n >= r.min;
    if (ok && r.max !== undefined) ok = n <= r.max;
    if (ok && r.key === 'vm.dirty_background_ratio') ok = n < Number(values.get('vm.dirty_ratio') ?? Infinity);
    const status = value === null || !Number.isFinite(n) ? 'unreadable' : ok ? 'ok' : 'outside_recommended';
    return { key: r.key, value, recommended: r.recommended, status, why: r.why };
  });
}

export const sysctlCheck: ChatTool = {
  name: 'sysctl_check',
  description: 'Current kernel settings (vm.swappiness, vm.dirty_ratio, vm.overcommit_memory, net.core.somaxconn, net.ipv4.tcp_fin_timeout, ...) against recommended ranges, with the reason for each.',
  params: {},
  async run() {
    const results = checkSysctls();
    return { outside_recommended: results.filter((r) => r.status === 'outside_recommended').map((r) => r.key), settings: results };
  },
};
