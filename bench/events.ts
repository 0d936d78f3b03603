// Synthetic but contract-valid events of every scraper and tracer type, for the
// ingest benchmark: same shapes and sizes as real traffic.
import { makeEvent, type KsEvent } from '../lib/events.js';

export function mixedEvents(n: number, t0 = Date.now() / 1000): KsEvent[] {
  const out: KsEvent[] = [];
  for (let i = 0; i < n; i++) {
    const ts = t0 + i / 10_000;
    const pid = 1000 + (i % 97);
    switch (i % 6) {
      case 0: out.push(makeEvent('syscall', { pid, tid: pid, comm: 'postgres', uid: 0, cpu: i % 2, syscall_nr: 74, syscall: 'fsync', latency_ms: 12.5 + (i % 7), ret: 0, fd: 5 }, ts)); break;
      case 1: out.push(makeEvent('sched', { interval_s: 1, pid, comm: 'worker', oncpu_ms: 120, voluntary: 40, involuntary: 3, wakeups: 41, runq_count: 41, runq_p50_us: 12, runq_p95_us: 80, runq_p99_us: 150, runq_max_us: 300 }, ts)); break;
      case 2: out.push(makeEvent('page_fault', { interval_s: 1, pid, comm: 'java', minor: 1200, major: 2 }, ts)); break;
      case 3: out.push(makeEvent('block', { interval_s: 5, dev: 'vda', reads_per_s: 10, writes_per_s: 50, read_kb_per_s: 40, write_kb_per_s: 800, util_pct: 12.5, queue_depth: 0.4, in_flight: 1, await_ms: 2.1 }, ts)); break;
      case 4: out.push(makeEvent('process', { pid, start_time: 123456, comm: 'node', state: 'R', uid: 0, ppid: 1, cpu_pct: 35.5, rss_kb: 80_000, threads: 11, nice: 0, major_faults_per_s: 0, rank_by: 'cpu' }, ts)); break;
      default: out.push(makeEvent('memory', { total_kb: 24_000_000, free_kb: 20_000_000, available_kb: 22_000_000, buffers_kb: 1000, cached_kb: 900_000, swap_total_kb: 0, swap_free_kb: 0, dirty_kb: 100, writeback_kb: 0, anon_kb: 500_000, shmem_kb: 1000, slab_kb: 90_000, used_fraction: 0.083 }, ts));
    }
  }
  return out;
}
