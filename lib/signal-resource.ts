// Which resource a signal type is about: what the agent's EXPLAIN groups causes by
// and what incidents (lib/read-model/incidents.ts) group signals by. The one map.
export type Resource = 'cpu' | 'memory' | 'io' | 'network' | 'other';

const RESOURCE: Readonly<Record<string, Resource>> = {
  cpu_saturation: 'cpu', runaway_process: 'cpu', scheduler_thrashing: 'cpu', lock_contention: 'cpu', page_fault_storm: 'cpu',
  memory_pressure: 'memory', oom_risk: 'memory', swap_thrashing: 'memory', excessive_major_faults: 'memory',
  io_congestion: 'io', block_device_saturation: 'io', blocking_io: 'io', file_system: 'io',
  network_degradation: 'network', tcp_exhaustion: 'network', tcp_retransmits: 'network', network: 'network',
};

export function resourceOf(type: string): Resource {
  return RESOURCE[type] ?? 'other';
}
