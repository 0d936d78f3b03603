// Shared by the tracer tests: build once, run a tracer for real, run a known
// workload, and hold the two against each other. Every process started here is
// registered for cleanup, so a failing assertion never leaves one behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { validateEvent, type EventOf, type EventType, type KsEvent } from '../../lib/events.js';
import { ROOT, TRACER_BIN_DIR } from '../../lib/paths.js';
import { TRACER_ENTRIES } from '../../lib/producers.js';

export const TRACERS = TRACER_ENTRIES.map((t) => t.binary);
export type TracerName = string;
export const WORKLOAD = path.join(TRACER_BIN_DIR, 'fixtures', 'workload');
export const tracerPath = (name: string): string => path.join(TRACER_BIN_DIR, name);

/** Why real eBPF tests cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'eBPF tracers need Linux';
  if (process.getuid?.() !== 0) return 'not root: loading eBPF programs needs root (run npm test with sudo)';
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) {
    return 'no BTF at /sys/kernel/btf/vmlinux: kernel built without CONFIG_DEBUG_INFO_BTF';
  }
  return undefined;
}

let built = false;
/** setup.sh builds before npm test; this keeps a direct `node --test` run honest too. */
export function buildTracers(): void {
  if (built) return;
  execFileSync('make', ['-s', '-C', path.join(ROOT, 'tracers')], { stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

const live = new Set<ChildProcess>();
/** Kill whatever a test left running (registered with t.after in each test). */
export function killAll(): void {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  live.clear();
}

export interface Exit { code: number | null; signal: NodeJS.Signals | null; ms: number }

function exitOf(p: ChildProcess, since: number): Promise<Exit> {
  if (p.exitCode !== null || p.signalCode !== null) {
    return Promise.resolve({ code: p.exitCode, signal: p.signalCode, ms: Date.now() - since });
  }
  return new Promise((resolve) => p.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - since })));
}

/** Resolves when pred holds, rejects after timeoutMs with what was seen. */
async function until(pred: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A tracer binary running for real; every stdout line is validated against the contract. */
export class TracerRun {
  readonly events: KsEvent[] = [];
  readonly badLines: string[] = [];
  stderr = '';
  private readonly exited: Promise<Exit>;

  private constructor(readonly name: string, readonly proc: ChildProcess, startedAt: number) {
    this.exited = exitOf(proc, startedAt);
    readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        this.events.push(validateEvent(JSON.parse(line)));
      } catch (err) {
        this.badLines.push(`${(err as Error).message}: ${line}`);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
  }

  /** Starts the tracer and waits until its programs are attached. */
  static async start(name: TracerName, args: string[] = []): Promise<TracerRun> {
    const proc = spawn(tracerPath(name), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    const run = new TracerRun(name, proc, Date.now());
    await until(() => run.stderr.includes('Ctrl-C to stop') || proc.exitCode !== null,
      10_000, () => `${name} to attach (stderr: ${run.stderr})`);
    if (proc.exitCode !== null) throw new Error(`${name} exited ${proc.exitCode}: ${run.stderr}`);
    return run;
  }

  of<T extends EventType>(type: T): EventOf<T>[] {
    return this.events.filter((e) => e.type === type) as unknown as EventOf<T>[];
  }

  /** Waits until some event satisfies pred and returns it. */
  async waitFor<T extends EventType>(type: T, pred: (e: EventOf<T>) => boolean, timeoutMs = 15_000): Promise<EventOf<T>> {
    let hit: EventOf<T> | undefined;
    await until(() => (hit = this.of(type).find(pred)) !== undefined || this.proc.exitCode !== null,
      timeoutMs, () => `a matching ${type} line from ${this.name} (${this.events.length} lines so far; stderr: ${this.stderr})`);
    if (!hit) throw new Error(`${this.name} exited ${this.proc.exitCode} before a matching ${type} line: ${this.stderr}`);
    return hit;
  }

  /** Sends the signal and waits for the exit (SIGKILL after killAfterMs). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 5_000): Promise<Exit> {
    const sent = Date.now();
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), killAfterMs);
    const exit = await this.exited;
    clearTimeout(timer);
    // Let readline deliver the last lines written before the exit.
    await new Promise((r) => setImmediate(r));
    return { ...exit, ms: Date.now() - sent };
  }
}

/** One JSON line the workload printed about a step it performed. */
export interface StepResult {
  step: string; pid: number; elapsed_ms: number; end_epoch: number; ret: number;
  cpu_ms: number; minflt: number; majflt: number;
}

/** The workload fixture, started with --wait: run `go()` once the tracer watches its pid. */
export class Workload {
  readonly steps: StepResult[] = [];
  pid = 0;
  stderr = '';
  readonly exited: Promise<Exit>;

  private constructor(readonly proc: ChildProcess) {
    this.exited = exitOf(proc, Date.now());
    readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
      const obj = JSON.parse(line) as { ready?: number } & StepResult;
      if (obj.ready) this.pid = obj.ready;
      else this.steps.push(obj);
    });
    proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
  }

  static async start(args: string[]): Promise<Workload> {
    const proc = spawn(WORKLOAD, ['--wait', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(proc);
    const w = new Workload(proc);
    await until(() => w.pid !== 0 || proc.exitCode !== null, 10_000, () => `workload to start (${w.stderr})`);
    if (!w.pid) throw new Error(`workload exited ${proc.exitCode}: ${w.stderr}`);
    return w;
  }

  /** Runs the steps and resolves with their results once the process has exited. */
  async go(): Promise<StepResult[]> {
    this.proc.stdin!.end('go\n');
    const exit = await this.exited;
    await new Promise((r) => setImmediate(r));
    if (exit.code !== 0) throw new Error(`workload exited ${exit.code}: ${this.stderr}`);
    return this.steps;
  }

  step(name: string): StepResult {
    const s = this.steps.find((r) => r.step === name);
    if (!s) throw new Error(`workload step ${name} did not report (got ${JSON.stringify(this.steps)})`);
    return s;
  }
}

/** A scratch directory on a real block device (not tmpfs), removed by the caller. */
export function scratchDir(): string {
  for (const base of ['/var/tmp', ROOT, os.tmpdir()]) {
    try {
      return fs.mkdtempSync(path.join(base, 'ks-tracer-test-'));
    } catch { /* try the next one */ }
  }
  throw new Error('no writable scratch directory');
}

/** The disk (not partition) name holding a file, as io_latency_tracer names it. */
export function diskOf(file: string): string {
  const dev = BigInt(fs.statSync(file, { bigint: true }).dev);
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  const sys = fs.realpathSync(`/sys/dev/block/${major}:${minor}`);
  // A partition's sysfs directory sits inside its disk's.
  return fs.existsSync(path.join(sys, 'partition')) ? path.basename(path.dirname(sys)) : path.basename(sys);
}

/** Unix epoch seconds now; every tracer line must be in this clock domain. */
export const nowEpoch = (): number => Date.now() / 1000;
