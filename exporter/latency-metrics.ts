// The tracers' latency distributions as Prometheus histograms (buckets in seconds,
// from the in-kernel log2 slots): block I/O per device and operation, run-queue
// latency, and the slow system calls per class. Labels stay bounded: devices and
// ops as the tracer names them, syscall classes from a fixed table, never pids.
import type { Db } from '../lib/db.js';
import type { FamilyDef, Sample } from './family.js';
import { Log2Histogram, parseSlots } from './log2-histogram.js';
import { RowFeed } from '../lib/read-model/row-feed.js';
import type { MetricSource } from './source.js';

const CLASSES: Record<string, readonly string[]> = {
  io: ['read', 'write', 'pread64', 'pwrite64', 'readv', 'writev', 'preadv', 'pwritev', 'preadv2', 'pwritev2', 'sendfile', 'splice', 'copy_file_range', 'io_uring_enter', 'io_getevents'],
  sync: ['fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'msync'],
  fs: ['open', 'openat', 'openat2', 'close', 'stat', 'fstat', 'lstat', 'newfstatat', 'statx', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2', 'mkdir', 'mkdirat', 'getdents64', 'ftruncate', 'fallocate', 'flock', 'fcntl'],
  net: ['socket', 'connect', 'accept', 'accept4', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg', 'shutdown', 'bind', 'listen'],
  wait: ['poll', 'ppoll', 'select', 'pselect6', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'futex', 'nanosleep', 'clock_nanosleep', 'wait4', 'waitid', 'pause', 'rt_sigtimedwait'],
  mm: ['mmap', 'munmap', 'mprotect', 'brk', 'madvise', 'mremap', 'mlock', 'munlock'],
};
const CLASS_OF = new Map(Object.entries(CLASSES).flatMap(([c, names]) => names.map((n) => [n, c] as const)));
export const syscallClass = (name: string): string => CLASS_OF.get(name) ?? 'other';

/** One histogram per label set, filled from new rows. */
class Histograms {
  private readonly byKey = new Map<string, { labels: Record<string, string>; h: Log2Histogram }>();
  get(labels: Record<string, string>): Log2Histogram {
    const key = JSON.stringify(labels);
    let e = this.byKey.get(key);
    if (!e) { e = { labels, h: new Log2Histogram() }; this.byKey.set(key, e); }
    return e.h;
  }
  samples(): Sample[] { return [...this.byKey.values()].flatMap((e) => e.h.samples(e.labels)); }
}

/** ms to the log2 slot holding it (the tracer's own bucketing, for events that carry one value). */
function slotOfMs(ms: number): number {
  const ns = Math.max(1, Math.round(ms * 1e6));
  return Math.min(39, Math.floor(Math.log2(ns)));
}

export function latencyMetrics(): MetricSource {
  const ioFeed = new RowFeed('io_latency_stats', 'dev, op, count, mean_us, hist');
  const runqFeed = new RowFeed('sched_summary', 'runq_hist');
  const sysFeed = new RowFeed('syscall_events', 'syscall, latency_ms');
  const io = new Histograms(), runq = new Histograms(), sys = new Histograms();
  return {
    refresh(db: Db) {
      for (const r of ioFeed.next(db)) {
        const slots = parseSlots(r.hist);
        if (slots) io.get({ device: String(r.dev), op: String(r.op) }).add(slots, Number(r.count) * Number(r.mean_us) * 1e3);
      }
      for (const r of runqFeed.next(db)) {
        const slots = parseSlots(r.runq_hist);
        if (slots) runq.get({}).add(slots);
      }
      for (const r of sysFeed.next(db)) {
        const ms = Number(r.latency_ms);
        if (!Number.isFinite(ms)) continue;
        const slots: number[] = [];
        slots[slotOfMs(ms)] = 1;
        sys.get({ class: syscallClass(String(r.syscall)) }).add(slots, ms * 1e6);
      }
    },
    families: [
      { name: 'kernelsight_block_io_latency_seconds', type: 'histogram', help: 'Block I/O completion latency per device and operation (io_latency tracer, in-kernel log2 buckets)', collect: () => io.samples() },
      { name: 'kernelsight_runqueue_latency_seconds', type: 'histogram', help: 'Time runnable tasks waited for a CPU (sched tracer, in-kernel log2 buckets; _sum estimated at bucket midpoints)', collect: () => runq.samples() },
      { name: 'kernelsight_syscall_slow_latency_seconds', type: 'histogram', help: 'Latency of system calls slower than the syscall tracer\'s threshold, per class (io, sync, fs, net, wait, mm, other)', collect: () => sys.samples() },
    ] satisfies FamilyDef[],
  };
}
