// current_state: the newest recorded value of every host metric, each with its
// time, so an answer can say "at 04:40:37 memory was 43.2% used" without
// guessing which row is current. A stale snapshot says how old it is.
import type { Db } from '../../lib/db.js';
import { latestPerGroup, latestRow, type Row } from '../../lib/read-model/latest.js';
import type { RawTable } from '../../lib/read-model/metrics.js';
import { escapeUntrusted } from '../../lib/sanitize.js';
import { ago, isoLocal } from '../../lib/time.js';
import { r4 } from './round.js';
import type { ChatTool, ToolContext } from './types.js';

const pick = (r: Row | undefined, cols: readonly string[]) =>
  r ? Object.fromEntries([['at', isoLocal(Number(r.timestamp))], ...cols.map((c) => [c, typeof r[c] === 'number' ? r4(r[c] as number) : r[c] ?? null])]) : null;

export interface HostSnapshot {
  readonly cpu: Record<string, unknown> | null;
  readonly memory: Record<string, unknown> | null;
  readonly load: Record<string, unknown> | null;
  readonly psi: Array<Record<string, unknown>>;
  readonly block: Array<Record<string, unknown>>;
  readonly io_latency: Array<Record<string, unknown>>;
  readonly network: Array<Record<string, unknown>>;
  readonly tcp: Record<string, unknown> | null;
  readonly vmstat: Record<string, unknown> | null;
  readonly newest_data_age?: string;
}

export function snapshot(db: Db, nowS: number): HostSnapshot {
  const newest = Math.max(...(['cpu_metrics', 'memory_metrics', 'load_metrics'] as const).map((t) => Number(latestRow(db, t)?.timestamp ?? 0)));
  const group = (table: RawTable, cols: readonly string[], nameCol: string) =>
    latestPerGroup(db, table).slice(0, 12).map((r) => ({ ...pick(r, cols), [nameCol]: escapeUntrusted(String(r[nameCol] ?? ''), 40) }));
  return {
    cpu: pick(latestRow(db, 'cpu_metrics'), ['cpus', 'busy_pct', 'user_pct', 'system_pct', 'iowait_pct', 'steal_pct', 'procs_running', 'procs_blocked']),
    memory: pick(latestRow(db, 'memory_metrics'), ['total_kb', 'available_kb', 'used_fraction', 'swap_total_kb', 'swap_free_kb', 'dirty_kb', 'cached_kb']),
    load: pick(latestRow(db, 'load_metrics'), ['load1', 'load5', 'load15', 'cpus', 'load1_per_cpu', 'runnable']),
    psi: group('psi_metrics', ['some_avg10', 'some_avg60', 'full_avg10'], 'resource'),
    block: group('block_stats', ['util_pct', 'await_ms', 'queue_depth', 'read_kb_per_s', 'write_kb_per_s'], 'dev'),
    io_latency: group('io_latency_stats', ['op', 'count', 'p50_us', 'p99_us', 'max_us'], 'dev'),
    network: group('network_interface_stats', ['rx_bytes_per_s', 'tx_bytes_per_s', 'rx_errors_per_s', 'rx_drops_per_s', 'tx_drops_per_s'], 'iface'),
    tcp: pick(latestRow(db, 'tcp_stats'), ['established', 'time_wait', 'close_wait', 'syn_recv', 'retrans_per_s', 'retrans_ratio']),
    vmstat: pick(latestRow(db, 'vmstat_metrics'), ['pgmajfault_per_s', 'pswpin_per_s', 'pswpout_per_s', 'oom_kill_delta', 'pgscan_per_s']),
    ...(newest > 0 ? { newest_data_age: ago(nowS - newest) } : {}),
  };
}

export const currentState: ChatTool = {
  name: 'current_state',
  description: 'The newest recorded value of every host metric (CPU, memory, load, PSI, block devices, I/O latency, network interfaces, TCP, vmstat), each with its time.',
  params: {},
  async run(ctx: ToolContext) {
    return snapshot(ctx.db, ctx.nowS());
  },
};
