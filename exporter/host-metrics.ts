// Host metrics, in base units (seconds, bytes) with _total counters, named after
// node_exporter's so that dashboards and alerts port by a prefix change (the
// mapping is in README.md "Prometheus"). Gauges read the newest row; counters sum
// each new row's interval amount (lib/read-model/row-feed.ts); PSI counters are the kernel's own.
import type { Db } from '../lib/db.js';
import { latestPerGroup, latestRow, type Row } from '../lib/read-model/latest.js';
import type { FamilyDef, Sample } from './family.js';
import { RowFeed } from '../lib/read-model/row-feed.js';
import type { MetricSource } from './source.js';
import { Sums } from './sums.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const gauge = (name: string, help: string, collect: () => Sample[]): FamilyDef => ({ name, help, type: 'gauge', collect });
const counter = (name: string, help: string, sums: Sums): FamilyDef => ({ name, help, type: 'counter', collect: () => sums.samples() });

const CPU_MODES = { user: 'user_pct', system: 'system_pct', iowait: 'iowait_pct', irq: 'irq_pct', steal: 'steal_pct', idle: 'idle_pct' } as const;
/** Our name (snake_case, as promtool wants) → [the /proc/meminfo field node_exporter names it after, our column]. */
const MEMORY = {
  mem_total: ['MemTotal', 'total_kb'], mem_free: ['MemFree', 'free_kb'], mem_available: ['MemAvailable', 'available_kb'],
  buffers: ['Buffers', 'buffers_kb'], cached: ['Cached', 'cached_kb'], swap_total: ['SwapTotal', 'swap_total_kb'], swap_free: ['SwapFree', 'swap_free_kb'],
  dirty: ['Dirty', 'dirty_kb'], writeback: ['Writeback', 'writeback_kb'], anon_pages: ['AnonPages', 'anon_kb'], shmem: ['Shmem', 'shmem_kb'], slab: ['Slab', 'slab_kb'],
} as const;
const TCP_STATES = ['established', 'syn_sent', 'syn_recv', 'fin_wait1', 'fin_wait2', 'time_wait', 'close', 'close_wait', 'last_ack', 'listen', 'closing'] as const;
const DISK = { read_bytes: ['read_kb_per_s', 1024], written_bytes: ['write_kb_per_s', 1024], reads_completed: ['reads_per_s', 1], writes_completed: ['writes_per_s', 1] } as const;
const NET = {
  receive_bytes: 'rx_bytes_per_s', transmit_bytes: 'tx_bytes_per_s', receive_packets: 'rx_packets_per_s', transmit_packets: 'tx_packets_per_s',
  receive_errs: 'rx_errors_per_s', transmit_errs: 'tx_errors_per_s', receive_drop: 'rx_drops_per_s', transmit_drop: 'tx_drops_per_s',
} as const;
const VMSTAT = { pgfault: 'pgfault_per_s', pgmajfault: 'pgmajfault_per_s', pswpin: 'pswpin_per_s', pswpout: 'pswpout_per_s', pgscan: 'pgscan_per_s', pgsteal: 'pgsteal_per_s' } as const;

export function hostMetrics(): MetricSource {
  let db: Db | undefined;
  const latest = (table: Parameters<typeof latestRow>[1]): Row | undefined => (db ? latestRow(db, table) : undefined);
  /** One unlabelled sample from the newest row's column, scaled; none while there is no row. */
  const newest = (table: Parameters<typeof latestRow>[1], column: string, scale = 1) => (): Sample[] => {
    const v = num(latest(table)?.[column]);
    return v === undefined ? [] : [{ value: v * scale }];
  };
  const cpuFeed = new RowFeed('cpu_metrics', 'interval_s, cpus, user_pct, system_pct, iowait_pct, irq_pct, steal_pct, idle_pct');
  const diskFeed = new RowFeed('block_stats', 'interval_s, dev, reads_per_s, writes_per_s, read_kb_per_s, write_kb_per_s, util_pct');
  const netFeed = new RowFeed('network_interface_stats', `interval_s, iface, ${Object.values(NET).join(', ')}`);
  const vmFeed = new RowFeed('vmstat_metrics', `interval_s, oom_kill_delta, ${Object.values(VMSTAT).join(', ')}`);
  const cpuSeconds = new Sums();
  const disk = Object.fromEntries(Object.keys(DISK).map((k) => [k, new Sums()])) as Record<keyof typeof DISK, Sums>;
  const diskBusy = new Sums();
  const net = Object.fromEntries(Object.keys(NET).map((k) => [k, new Sums()])) as Record<keyof typeof NET, Sums>;
  const vm = Object.fromEntries(Object.keys(VMSTAT).map((k) => [k, new Sums()])) as Record<keyof typeof VMSTAT, Sums>;
  const oomKills = new Sums();

  const psi = (resource: string, kind: 'some' | 'full'): Sample[] => {
    const row = db ? latestPerGroup(db, 'psi_metrics').find((r) => r.resource === resource) : undefined;
    const us = num(row?.[`${kind}_total_us`]);
    return us === undefined ? [] : [{ value: us / 1e6 }];
  };
  const pressure = (resource: 'cpu' | 'io' | 'memory', kind: 'some' | 'full', word: 'waiting' | 'stalled'): FamilyDef => ({
    name: `kernelsight_pressure_${resource}_${word}_seconds_total`, type: 'counter',
    help: `Total time in seconds that ${kind === 'some' ? 'at least some' : 'all non-idle'} tasks were ${word === 'waiting' ? 'waiting' : 'stalled'} for ${resource} (PSI "${kind}" total, as node_pressure_${resource}_${word}_seconds_total)`,
    collect: () => psi(resource, kind),
  });

  return {
    refresh(d) {
      db = d;
      oomKills.touch({});
      for (const r of cpuFeed.next(d)) {
        const capacity = (num(r.interval_s) ?? 0) * (num(r.cpus) ?? 1);
        for (const [mode, col] of Object.entries(CPU_MODES)) cpuSeconds.add({ mode }, ((num(r[col]) ?? 0) / 100) * capacity);
      }
      for (const r of diskFeed.next(d)) {
        const s = num(r.interval_s) ?? 0, device = String(r.dev);
        for (const [k, [col, scale]] of Object.entries(DISK)) { disk[k as keyof typeof DISK].touch({ device }); disk[k as keyof typeof DISK].add({ device }, (num(r[col]) ?? 0) * scale * s); }
        diskBusy.touch({ device });
        diskBusy.add({ device }, ((num(r.util_pct) ?? 0) / 100) * s);
      }
      for (const r of netFeed.next(d)) {
        const s = num(r.interval_s) ?? 0, device = String(r.iface);
        for (const [k, col] of Object.entries(NET)) { net[k as keyof typeof NET].touch({ device }); net[k as keyof typeof NET].add({ device }, (num(r[col]) ?? 0) * s); }
      }
      for (const r of vmFeed.next(d)) {
        const s = num(r.interval_s) ?? 0;
        for (const [k, col] of Object.entries(VMSTAT)) { vm[k as keyof typeof VMSTAT].touch({}); vm[k as keyof typeof VMSTAT].add({}, (num(r[col]) ?? 0) * s); }
        oomKills.add({}, num(r.oom_kill_delta) ?? 0);
      }
    },
    families: [
      counter('kernelsight_cpu_seconds_total', 'Seconds all CPUs together spent in each mode (node_cpu_seconds_total summed over cpu; user includes nice, irq includes softirq)', cpuSeconds),
      gauge('kernelsight_cpus', 'Online CPUs', newest('cpu_metrics', 'cpus')),
      gauge('kernelsight_procs_running', 'Runnable tasks (node_procs_running)', newest('cpu_metrics', 'procs_running')),
      gauge('kernelsight_procs_blocked', 'Tasks blocked on I/O (node_procs_blocked)', newest('cpu_metrics', 'procs_blocked')),
      ...(['1', '5', '15'] as const).map((m) => gauge(`kernelsight_load${m}`, `${m}-minute load average (node_load${m})`, newest('load_metrics', `load${m}`))),
      ...Object.entries(MEMORY).map(([name, [field, col]]) => gauge(`kernelsight_memory_${name}_bytes`, `/proc/meminfo ${field}, bytes (node_memory_${field}_bytes)`, newest('memory_metrics', col, 1024))),
      pressure('cpu', 'some', 'waiting'), pressure('cpu', 'full', 'stalled'),
      pressure('io', 'some', 'waiting'), pressure('io', 'full', 'stalled'),
      pressure('memory', 'some', 'waiting'), pressure('memory', 'full', 'stalled'),
      ...Object.keys(DISK).map((k) => counter(`kernelsight_disk_${k}_total`, `Block device ${k.replace('_', ' ')} (node_disk_${k}_total)`, disk[k as keyof typeof DISK])),
      counter('kernelsight_disk_io_time_seconds_total', 'Seconds the device had I/O in flight (node_disk_io_time_seconds_total)', diskBusy),
      ...Object.keys(NET).map((k) => counter(`kernelsight_network_${k}_total`, `Network interface ${k.replace('_', ' ')} (node_network_${k}_total)`, net[k as keyof typeof NET])),
      gauge('kernelsight_tcp_connection_states', 'TCP sockets per state (node_tcp_connection_states)', () => {
        const r = latest('tcp_stats');
        return r ? TCP_STATES.map((state) => ({ labels: { state }, value: num(r[state]) ?? 0 })) : [];
      }),
      ...Object.keys(VMSTAT).map((k) => counter(`kernelsight_vmstat_${k}_total`, `/proc/vmstat ${k} (node_vmstat_${k})`, vm[k as keyof typeof VMSTAT])),
      counter('kernelsight_vmstat_oom_kill_total', 'OOM kills (node_vmstat_oom_kill)', oomKills),
    ],
  };
}
