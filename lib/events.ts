// The event contract: every line a tracer or the scraper prints is one of these.
// One spec per event type drives three things: the TypeScript type, the runtime
// validator in ingest, and (checked by a test) the columns of the event's table.
// The C structs in tracers/*/ mirror the tracer events; tracers print these names.
//
// Common fields on every line:
//   v    schema version (SCHEMA_VERSION)
//   type discriminator
//   ts   Unix epoch seconds (float, ms precision). ONE clock domain for the whole
//        system: tracers convert bpf_ktime_get_boot_ns() to wall clock themselves.

export const SCHEMA_VERSION = 1;

// hist: a log2 latency histogram, slot i counting values in [2^i, 2^(i+1)) ns
// (tracers/common/ks_hist.h), trailing empty slots left out; stored as JSON text.
type FieldKind = 'int' | 'num' | 'str' | 'bool' | 'hist';
interface FieldSpec {
  readonly kind: FieldKind;
  readonly optional?: boolean;
  readonly max?: number; // max string length
}
const int = { kind: 'int' } as const;
const num = { kind: 'num' } as const;
const str = (max = 256) => ({ kind: 'str', max }) as const;
const optInt = { kind: 'int', optional: true } as const;
const optNum = { kind: 'num', optional: true } as const;
const optStr = (max = 256) => ({ kind: 'str', max, optional: true }) as const;
const optHist = { kind: 'hist', optional: true } as const;
/** Slots in a tracer's log2 histogram (KS_HIST_SLOTS). */
export const HIST_SLOTS = 40;

/** Field specs per event type. `table` is the raw table the event lands in. */
export const EVENT_SPECS = {
  // ---- eBPF tracers -----------------------------------------------------------
  /** One slow system call (latency >= threshold, filtered in the kernel). */
  syscall: {
    table: 'syscall_events',
    fields: {
      pid: int, tid: int, comm: str(16), uid: int, cpu: int,
      syscall_nr: int, syscall: str(32), latency_ms: num, ret: int,
      errno: optInt, // set when ret < 0
      fd: optInt,    // first argument when it is a file descriptor (-1 otherwise)
    },
  },
  /** Per process, per interval: on-CPU time, switches, run-queue latency. */
  sched: {
    table: 'sched_events',
    fields: {
      interval_s: num, pid: int, comm: str(16),
      oncpu_ms: num, voluntary: int, involuntary: int, wakeups: int,
      runq_count: int, runq_p50_us: num, runq_p95_us: num, runq_p99_us: num, runq_max_us: num,
    },
  },
  /** System totals per interval from sched_tracer. */
  sched_summary: {
    table: 'sched_summary',
    fields: {
      interval_s: num, switches: int, voluntary: int, involuntary: int, wakeups: int,
      runq_count: int, runq_p50_us: num, runq_p95_us: num, runq_p99_us: num, runq_max_us: num,
      nr_procs: int,
      runq_hist: optHist, // this interval's run-queue latencies, log2 ns slots
    },
  },
  /** Per process, per interval page faults (minor/major split from the kernel). */
  page_fault: {
    table: 'page_fault_events',
    fields: { interval_s: num, pid: int, comm: str(16), minor: int, major: int },
  },
  /** System totals per interval from page_fault_tracer. */
  page_fault_summary: {
    table: 'page_fault_summary',
    fields: { interval_s: num, minor: int, major: int, nr_procs: int },
  },
  /** Per device, per operation, per interval block I/O latency. */
  io_latency: {
    table: 'io_latency_stats',
    fields: {
      interval_s: num, dev: str(32), op: str(8), // read | write | other
      count: int, bytes: int, iops: num,
      p50_us: num, p95_us: num, p99_us: num, max_us: num, mean_us: num,
      top_pid: optInt, top_comm: optStr(16), // process that issued the most I/O
      hist: optHist, // this interval's completion latencies, log2 ns slots
    },
  },
  /** Periodic health line of every tracer: ring-buffer drops are never silent. */
  tracer_stats: {
    table: 'tracer_stats',
    fields: { tracer: str(32), interval_s: num, events: int, drops: int, map_full: optInt },
  },

  // ---- scraper (/proc, /sys) -----------------------------------------------------
  memory: {
    table: 'memory_metrics',
    fields: {
      total_kb: int, free_kb: int, available_kb: int, buffers_kb: int, cached_kb: int,
      swap_total_kb: int, swap_free_kb: int, dirty_kb: int, writeback_kb: int,
      anon_kb: int, shmem_kb: int, slab_kb: int, used_fraction: num,
    },
  },
  load: {
    table: 'load_metrics',
    fields: {
      load1: num, load5: num, load15: num, cpus: int, runnable: int, total_threads: int,
      load1_per_cpu: num,
    },
  },
  cpu: {
    table: 'cpu_metrics',
    fields: {
      interval_s: num, cpus: int, user_pct: num, system_pct: num, iowait_pct: num,
      irq_pct: num, steal_pct: num, idle_pct: num, busy_pct: num,
      ctxt_per_s: num, procs_running: int, procs_blocked: int,
    },
  },
  block: {
    table: 'block_stats',
    fields: {
      interval_s: num, dev: str(32),
      reads_per_s: num, writes_per_s: num, read_kb_per_s: num, write_kb_per_s: num,
      util_pct: num, queue_depth: num, in_flight: int, await_ms: num,
    },
  },
  net_if: {
    table: 'network_interface_stats',
    fields: {
      interval_s: num, iface: str(32),
      rx_bytes_per_s: num, tx_bytes_per_s: num, rx_packets_per_s: num, tx_packets_per_s: num,
      rx_errors_per_s: num, tx_errors_per_s: num, rx_drops_per_s: num, tx_drops_per_s: num,
    },
  },
  tcp: {
    table: 'tcp_stats',
    fields: {
      interval_s: num, established: int, syn_sent: int, syn_recv: int, fin_wait1: int,
      fin_wait2: int, time_wait: int, close: int, close_wait: int, last_ack: int,
      listen: int, closing: int, total: int,
      retrans_per_s: num, out_segs_per_s: num, retrans_ratio: num,
    },
  },
  psi: {
    table: 'psi_metrics',
    fields: {
      resource: str(8), // cpu | memory | io
      some_avg10: num, some_avg60: num, some_avg300: num,
      full_avg10: optNum, full_avg60: optNum, full_avg300: optNum,
      some_stall_ms_per_s: num, // delta of the `total` counter, as a rate
      some_total_us: optInt, full_total_us: optInt, // the kernel's own counters, as read
    },
  },
  vmstat: {
    table: 'vmstat_metrics',
    fields: {
      interval_s: num, pgfault_per_s: num, pgmajfault_per_s: num,
      pswpin_per_s: num, pswpout_per_s: num, oom_kill_delta: int,
      pgscan_per_s: num, pgsteal_per_s: num,
    },
  },
  /** One of the top processes by CPU or by RSS this interval. */
  process: {
    table: 'process_metrics',
    fields: {
      pid: int, start_time: int, // start time in clock ticks since boot (/proc/<pid>/stat field 22)
      comm: str(16), state: str(2), uid: int, ppid: int,
      cpu_pct: num, rss_kb: int, threads: int, nice: int,
      major_faults_per_s: num, rank_by: str(8), // cpu | rss
    },
  },
} as const satisfies Record<string, { table: string; fields: Record<string, FieldSpec> }>;

export type EventType = keyof typeof EVENT_SPECS;
export const EVENT_TYPES = Object.keys(EVENT_SPECS) as EventType[];

type KindType<K> = K extends 'str' ? string : K extends 'bool' ? boolean : K extends 'hist' ? readonly number[] : number;
type Fields<F> = {
  -readonly [N in keyof F as F[N] extends { optional: true } ? never : N]: F[N] extends { kind: infer K } ? KindType<K> : never;
} & {
  -readonly [N in keyof F as F[N] extends { optional: true } ? N : never]?: F[N] extends { kind: infer K } ? KindType<K> : never;
};
interface Envelope<T extends EventType> { v: number; type: T; ts: number }

export type EventOf<T extends EventType> = Envelope<T> & Fields<(typeof EVENT_SPECS)[T]['fields']>;
/** The discriminated union of every event. */
export type KsEvent = { [T in EventType]: EventOf<T> }[EventType];

/** Bounded set of reasons a line can be rejected; ingest counts each. */
export const REJECT_CODES = [
  'too_long', 'invalid_utf8', 'bad_json', 'not_object', 'bad_version', 'unknown_type',
  'bad_timestamp', 'bad_field', 'missing_field',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

export class EventError extends Error {
  constructor(readonly code: RejectCode, message: string) {
    super(message);
  }
}

// Timestamps outside this window are almost certainly a clock-domain bug
// (boot-time ns, ms instead of s); ingest rejects them instead of storing garbage.
const MIN_TS = 1_500_000_000; // 2017
const MAX_FUTURE_S = 24 * 3600;

const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
};

/**
 * Validate a parsed JSON value against the contract. Unknown extra fields are
 * dropped so a newer producer cannot smuggle columns in. Throws EventError.
 */
export function validateEvent(value: unknown, now = Date.now() / 1000): KsEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EventError('not_object', `expected a JSON object, got ${show(value)}`);
  }
  const obj = value as Record<string, unknown>;
  if (obj.v !== SCHEMA_VERSION) {
    throw new EventError('bad_version', `schema version ${show(obj.v)}, expected ${SCHEMA_VERSION}`);
  }
  const type = obj.type;
  if (typeof type !== 'string' || !Object.hasOwn(EVENT_SPECS, type)) {
    throw new EventError('unknown_type', `unknown event type ${show(type)}`);
  }
  const ts = obj.ts;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < MIN_TS || ts > now + MAX_FUTURE_S) {
    throw new EventError('bad_timestamp', `ts ${show(ts)} is not Unix epoch seconds`);
  }
  const out: Record<string, unknown> = { v: SCHEMA_VERSION, type, ts };
  for (const [name, f] of FIELD_LISTS[type as EventType]) {
    const val = obj[name];
    if (val === undefined || val === null) {
      if (f.optional) continue;
      throw new EventError('missing_field', `${type}.${name} is missing`);
    }
    if (!fieldOk(f, val)) {
      throw new EventError('bad_field', `${type}.${name} should be ${f.kind}${f.max ? ` (<= ${f.max} chars)` : ''}, got ${show(val)}`);
    }
    out[name] = f.kind === 'hist' ? JSON.stringify(val) : val;
  }
  return out as unknown as KsEvent;
}

// Validation runs once per ingested line: precompute each type's field list once.
const FIELD_LISTS = Object.fromEntries(
  Object.entries(EVENT_SPECS).map(([t, s]) => [t, Object.entries(s.fields) as [string, FieldSpec][]]),
) as Record<EventType, [string, FieldSpec][]>;

function fieldOk(f: FieldSpec, val: unknown): boolean {
  switch (f.kind) {
    case 'int': return typeof val === 'number' && Number.isSafeInteger(val);
    case 'num': return typeof val === 'number' && Number.isFinite(val);
    case 'bool': return typeof val === 'boolean';
    case 'str': return typeof val === 'string' && val.length <= (f.max ?? 256);
    case 'hist': return Array.isArray(val) && val.length <= HIST_SLOTS && val.every((n) => Number.isSafeInteger(n) && n >= 0);
  }
}

/** Field names of an event type, in spec order (used to build INSERT statements). */
export function fieldNames(type: EventType): string[] {
  return Object.keys(EVENT_SPECS[type].fields);
}

/** Build an event with the envelope filled in (used by the scraper and tests). */
export function makeEvent<T extends EventType>(type: T, fields: Omit<EventOf<T>, 'v' | 'type' | 'ts'>, ts = Date.now() / 1000): EventOf<T> {
  return { v: SCHEMA_VERSION, type, ts: Math.round(ts * 1000) / 1000, ...fields } as unknown as EventOf<T>;
}
