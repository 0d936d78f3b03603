// Client side of launcher.ts: start the scope root, run workloads under it, stop
// them. Everything the agent may touch in a scenario is started through here.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { DIST } from '../lib/paths.js';
import { readPidStat } from '../lib/procfs/pid.js';

const LAUNCHER = path.join(DIST, 'harness', 'launcher.js');

export interface Workload {
  readonly name: string;
  readonly pid: number;
  readonly startTime: number;
  /** Wall clock (epoch seconds) when the launcher reported it running. */
  readonly startedAt: number;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  kill(): Promise<void>;
}

export interface WorkloadSpec { readonly name: string; readonly cmd: string; readonly args: readonly string[] }

type Msg = { id?: number; pid?: number; exited?: number | null; signal?: string | null; error?: string; ready?: number };

export class Scope {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: Msg) => void>();
  private readonly exits = new Map<number, (m: Msg) => void>();
  private readonly running = new Set<Workload>();

  private constructor(readonly proc: ChildProcess, readonly pid: number, lines: readline.Interface) {
    lines.on('line', (line) => {
      const m = JSON.parse(line) as Msg;
      if (m.id === undefined) return;
      if (m.exited !== undefined || m.signal !== undefined) this.exits.get(m.id)?.(m);
      else this.waiting.get(m.id)?.(m);
    });
  }

  static async start(): Promise<Scope> {
    const proc = spawn(process.execPath, [LAUNCHER], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = readline.createInterface({ input: proc.stdout! });
    const [line] = (await once(lines, 'line')) as [string];
    const ready = (JSON.parse(line) as Msg).ready;
    if (ready !== proc.pid) throw new Error(`launcher said ${line}`);
    return new Scope(proc, proc.pid!, lines);
  }

  async run(spec: WorkloadSpec, cwd: string): Promise<Workload> {
    const id = this.nextId++;
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => this.exits.set(id, (m) => r({ code: m.exited ?? null, signal: m.signal ?? null })));
    const started = new Promise<Msg>((r) => this.waiting.set(id, r));
    this.proc.stdin!.write(`${JSON.stringify({ id, cmd: spec.cmd, args: spec.args, cwd })}\n`);
    const m = await started;
    if (m.error || m.pid === undefined) throw new Error(`could not start ${spec.name}: ${m.error}`);
    const stat = readPidStat(m.pid);
    if (!stat) throw new Error(`${spec.name} (pid ${m.pid}) exited at once`);
    let done = false;
    void exited.then(() => { done = true; });
    const w: Workload = {
      name: spec.name, pid: m.pid, startTime: stat.startTime, startedAt: Date.now() / 1000, exited,
      kill: async () => {
        if (!done) {
          this.proc.stdin!.write(`${JSON.stringify({ id, kill: true })}\n`);
          await exited;
        }
        this.running.delete(w);
      },
    };
    this.running.add(w);
    return w;
  }

  /** Kill every workload, then the launcher (which kills any group left). */
  async close(): Promise<void> {
    for (const w of [...this.running]) await w.kill();
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const gone = once(this.proc, 'exit');
      this.proc.stdin!.end();
      await gone;
    }
  }
}
