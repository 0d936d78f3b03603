// Typed reads of the latest host numbers for the rules answers.
import { tableExists, type Db } from '../../lib/db.js';
import { latestPerGroup, latestRow } from '../../lib/read-model/latest.js';
import { resolveMetric } from '../../lib/read-model/metrics.js';
import { seriesSum } from '../../lib/read-model/series.js';

export interface CpuRow { timestamp: number; cpus: number; busy_pct: number; user_pct: number; system_pct: number; iowait_pct: number; steal_pct: number; procs_running: number; procs_blocked: number }
export interface MemRow { timestamp: number; total_kb: number; available_kb: number; cached_kb: number; dirty_kb: number; swap_total_kb: number; swap_free_kb: number; used_fraction: number }
export interface LoadRow { timestamp: number; load1: number; load5: number; load15: number; cpus: number; load1_per_cpu: number; runnable: number }
export interface PsiRow { timestamp: number; resource: string; some_avg10: number; some_avg60: number; full_avg10: number | null }
export interface BlockRow { timestamp: number; dev: string; util_pct: number; await_ms: number; queue_depth: number; read_kb_per_s: number; write_kb_per_s: number; reads_per_s: number; writes_per_s: number }
export interface NetRow { timestamp: number; iface: string; rx_bytes_per_s: number; tx_bytes_per_s: number; rx_errors_per_s: number; tx_errors_per_s: number; rx_drops_per_s: number; tx_drops_per_s: number }
export interface TcpRow { timestamp: number; established: number; time_wait: number; close_wait: number; syn_recv: number; syn_sent: number; listen: number; total: number; retrans_per_s: number; out_segs_per_s: number; retrans_ratio: number }
export interface VmRow { timestamp: number; pgmajfault_per_s: number; pswpin_per_s: number; pswpout_per_s: number; oom_kill_delta: number; pgscan_per_s: number }
export interface IoLatRow { timestamp: number; dev: string; op: string; count: number; p50_us: number; p99_us: number; max_us: number }

export const latestCpu = (db: Db) => latestRow(db, 'cpu_metrics') as CpuRow | undefined;
export const latestMem = (db: Db) => latestRow(db, 'memory_metrics') as MemRow | undefined;
export const latestLoad = (db: Db) => latestRow(db, 'load_metrics') as LoadRow | undefined;
export const latestTcp = (db: Db) => latestRow(db, 'tcp_stats') as TcpRow | undefined;
export const latestVm = (db: Db) => latestRow(db, 'vmstat_metrics') as VmRow | undefined;
export const latestPsi = (db: Db) => latestPerGroup(db, 'psi_metrics') as unknown as PsiRow[];
export const latestBlock = (db: Db) => latestPerGroup(db, 'block_stats') as unknown as BlockRow[];
export const latestNet = (db: Db) => latestPerGroup(db, 'network_interface_stats') as unknown as NetRow[];
export const latestIoLat = (db: Db) => (tableExists(db, 'io_latency_stats') ? (latestPerGroup(db, 'io_latency_stats') as unknown as IoLatRow[]) : []);

export const psiOf = (rows: readonly PsiRow[], resource: string) => rows.find((r) => r.resource === resource);

/** Sum of OOM kills the scraper counted since sinceS. */
export function oomKillsSince(db: Db, sinceS: number): number {
  if (!tableExists(db, 'vmstat_metrics')) return 0;
  return seriesSum(db, resolveMetric(db, 'vmstat.oom_kill_delta'), { sinceS });
}
