// The real system's components and how each is launched. Start order is list
// order: ingest first, then the producers, then the agent.
import fs from 'node:fs';
import path from 'node:path';
import { DIST, TRACER_BIN_DIR } from '../lib/paths.js';
import type { ComponentSpec } from './component.js';

/** Tracer log/status name → binary in tracers/build. */
export const TRACERS = {
  syscall: 'syscall_tracer',
  sched: 'sched_tracer',
  page_fault: 'page_fault_tracer',
  io_latency: 'io_latency_tracer',
} as const;
export type TracerName = keyof typeof TRACERS;
/**
 * What each tracer runs with under npm start. syscall: calls that only wait for
 * work (an event loop's epoll_wait) are dropped in the kernel; the classifier
 * would call them idle anyway, and they were most of an idle host's lines.
 */
const TRACER_ARGS: Record<TracerName, readonly string[]> = { syscall: ['--skip-idle'], sched: [], page_fault: [], io_latency: [] };
export const TRACER_NAMES = Object.keys(TRACERS) as TracerName[];

export interface SystemOptions {
  readonly db: string;
  readonly logDir: string;
  readonly logLevel: string;
  readonly scrapeInterval: number;
  readonly tracers: readonly TracerName[];
  readonly agent: boolean;
  readonly agentInterval: number;
  readonly dryRun: boolean;
  /** Only the agent gets it, through its environment. */
  readonly apiKey?: string;
  /** Appended to the agent's command line (hidden --agent-args). */
  readonly agentArgs?: readonly string[];
  readonly distDir?: string;
  readonly tracerDir?: string;
}

/**
 * V8 flags for the Node components that do little work in between (a scrape
 * every 5 s, an agent cycle a minute): lite mode skips the optimising compiler
 * and its feedback, about 7 MB of RSS each at no measurable CPU cost for them.
 * Not for ingest or the supervisor, whose line handling is a hot loop.
 */
const LIGHT_NODE = ['--lite-mode'];

function nodeScript(file: string, what: string): Pick<ComponentSpec, 'command' | 'missing'> {
  const missing = fs.existsSync(file)
    ? undefined
    : { reason: `${path.relative(process.cwd(), file) || file} is missing`, fix: `build it: npm run build (${what})` };
  return { command: process.execPath, missing };
}

export function systemComponents(o: SystemOptions): ComponentSpec[] {
  const dist = o.distDir ?? DIST;
  const tracerDir = o.tracerDir ?? TRACER_BIN_DIR;
  const common = ['--log-dir', o.logDir, '--log-level', o.logLevel];
  const ingest = path.join(dist, 'ingest', 'main.js');
  const scraper = path.join(dist, 'tracers', 'scraper', 'main.js');
  const agent = path.join(dist, 'agent', 'main.js');
  const list: ComponentSpec[] = [
    { name: 'ingestion', role: 'sink', ...nodeScript(ingest, 'ingest'), args: [ingest, '--db', o.db, ...common], stderr: 'supervisor-log' },
    { name: 'scraper', role: 'producer', ...nodeScript(scraper, 'scraper'), args: [...LIGHT_NODE, scraper, '--interval', String(o.scrapeInterval), ...common], stderr: 'supervisor-log' },
  ];
  for (const t of o.tracers) {
    const bin = path.join(tracerDir, TRACERS[t]);
    list.push({
      name: t,
      role: 'producer',
      command: bin,
      args: [...TRACER_ARGS[t]],
      stderr: 'own-log',
      missing: fs.existsSync(bin) ? undefined : { reason: `${bin} is not built`, fix: 'make -C tracers (needs clang, bpftool, libbpf-dev; `npm run doctor` checks)' },
    });
  }
  if (o.agent) {
    const a = nodeScript(agent, 'agent');
    list.push({
      name: 'agent',
      role: 'worker',
      ...a,
      missing: a.missing && { reason: 'not installed (dist/agent/main.js is missing)', fix: a.missing.fix },
      args: [...LIGHT_NODE, agent, '--db', o.db, '--interval', String(o.agentInterval), ...(o.dryRun ? ['--dry-run'] : []), ...common, ...(o.agentArgs ?? [])],
      env: o.apiKey ? { GEMINI_API_KEY: o.apiKey } : undefined,
      fixes: { 77: 'run as root (sudo npm start) so the agent may act, or start with --dry-run' },
      stderr: 'supervisor-log',
    });
  }
  return list;
}

/** Parse --tracers: "all", "none", or a comma list of tracer names. */
export function parseTracers(value: string | boolean | undefined): TracerName[] {
  if (value === false || value === 'none' || value === '') return [];
  if (value === undefined || value === true || value === 'all') return [...TRACER_NAMES];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(n in TRACERS)) throw new Error(`unknown tracer ${JSON.stringify(n)}: choose from ${TRACER_NAMES.join(', ')}, all, none`);
  }
  return [...new Set(names)] as TracerName[];
}
