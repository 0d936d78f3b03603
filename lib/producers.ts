// The producers: every process whose stdout is NDJSON for ingest. One list, read
// by the supervisor (what to start, with which arguments), doctor (which kernel
// hooks to check), and tests (the Makefile's TOOLS and each tracer's preflight
// list are checked against it). Adding a tracer is one entry here.
import type { EventType } from './events.js';

/** A BTF-typed raw tracepoint (SEC("tp_btf/<name>")): needs `btf_trace_<name>` in vmlinux BTF, not tracefs. */
export interface Hook {
  readonly name: string;
  /** false: the tracer checks for it and runs without it on older kernels. */
  readonly required: boolean;
}

export interface TracerEntry {
  /** Status and log name (logs/production/<name>.log), and the --tracers word. */
  readonly name: string;
  /** Binary in tracers/build, and its folder tracers/<binary>/. */
  readonly binary: string;
  /** Arguments under npm start. */
  readonly args: readonly string[];
  readonly hooks: readonly Hook[];
  readonly events: readonly EventType[];
}

const hooks = (required: readonly string[], optional: readonly string[] = []): Hook[] => [
  ...required.map((name) => ({ name, required: true })),
  ...optional.map((name) => ({ name, required: false })),
];

export const TRACER_ENTRIES: readonly TracerEntry[] = [
  {
    name: 'syscall',
    binary: 'syscall_tracer',
    // Calls that only wait for work (an event loop's epoll_wait) are dropped in the
    // kernel; the classifier would call them idle anyway, and they were most of an
    // idle host's lines.
    args: ['--skip-idle'],
    hooks: hooks(['sys_enter', 'sys_exit']),
    events: ['syscall', 'tracer_stats'],
  },
  {
    name: 'sched',
    binary: 'sched_tracer',
    // Processes that neither ran nor waited for a CPU 1 ms in a second (most
    // kernel threads of an idle host) are left out of the per-process lines;
    // the summary still counts them, and no classifier could name them.
    args: ['--min-active-ms', '1'],
    hooks: hooks(['sched_switch', 'sched_wakeup', 'sched_wakeup_new', 'sched_process_exec']),
    events: ['sched', 'sched_summary', 'tracer_stats'],
  },
  {
    name: 'page_fault',
    binary: 'page_fault_tracer',
    args: [],
    hooks: hooks(['page_fault_user', 'page_fault_kernel', 'sched_process_exit', 'sched_process_exec']),
    events: ['page_fault', 'page_fault_summary', 'tracer_stats'],
  },
  {
    name: 'io_latency',
    binary: 'io_latency_tracer',
    args: [],
    // block_io_start exists from 6.5; before it the issuing context names the process.
    hooks: hooks(['block_rq_issue', 'block_rq_complete'], ['block_io_start']),
    events: ['io_latency', 'tracer_stats'],
  },
];

/** The TypeScript /proc and /sys scraper (tracers' sibling; not an eBPF program). */
export const SCRAPER = {
  name: 'scraper',
  events: ['memory', 'load', 'cpu', 'block', 'net_if', 'tcp', 'psi', 'vmstat', 'process'] as readonly EventType[],
} as const;

export type TracerName = string;
export const TRACER_NAMES: readonly string[] = TRACER_ENTRIES.map((t) => t.name);

export function tracerEntry(name: string): TracerEntry | undefined {
  return TRACER_ENTRIES.find((t) => t.name === name);
}

/** Every distinct hook any tracer attaches, with whether some tracer requires it. */
export function allHooks(): Array<Hook & { readonly tracers: readonly string[] }> {
  const out = new Map<string, { name: string; required: boolean; tracers: string[] }>();
  for (const t of TRACER_ENTRIES) {
    for (const h of t.hooks) {
      const e = out.get(h.name) ?? { name: h.name, required: false, tracers: [] };
      e.required ||= h.required;
      e.tracers.push(t.name);
      out.set(h.name, e);
    }
  }
  return [...out.values()];
}
