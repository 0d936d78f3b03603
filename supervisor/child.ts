// One supervised child: spawn (execa, buffer:false, own process group), wire its
// stdio, and run the state machine
//   pending → up → (exit) → backoff → up ...      failure worth a restart
//                        → failed                 too many failures in the window
//                        → unavailable            exit 77/78: cannot run here
//   any → stopping → stopped                      we asked it to stop
import { execa, type ResultPromise } from 'execa';
import path from 'node:path';
import type { Logger } from '../lib/logger.js';
import { RestartPolicy, type BackoffOptions } from '../lib/backoff.js';
import { ChildOutput } from './child-output.js';
import type { ComponentState, ComponentStatus } from '../lib/supervisor-state.js';
import { EXIT_NO_KERNEL_FEATURE, EXIT_NO_PERMISSION, type ComponentSpec } from './component.js';
import { groupAlive, sleep, terminateGroup } from './kill-tree.js';
import type { LineMerger } from './line-merger.js';
import type { Reaper } from './reaper.js';
import { lastLogLine } from './log-tail.js';
import { RotatingFile } from './rotating-file.js';
import { readPidStat } from '../lib/procfs/pid.js';

export interface ChildDeps {
  readonly log: Logger;
  readonly merger: LineMerger;
  readonly logDir: string;
  readonly backoff: BackoffOptions;
  /** Environment every child gets (already without secrets). */
  readonly env: Readonly<Record<string, string>>;
  readonly reaper?: Reaper;
  readonly onChange: (child: SupervisedChild, note: string) => void;
}

export const UNAVAILABLE_FIX: Record<77 | 78, string> = {
  [EXIT_NO_PERMISSION]: 'run as root (sudo npm start), or as a member of the kernelsight group once `sudo npm run setup` has given the tracers CAP_BPF and CAP_PERFMON; `npm run doctor` checks',
  [EXIT_NO_KERNEL_FEATURE]: 'this kernel lacks a feature the tracer needs; `npm run doctor` shows which and how to fix it',
};

type Proc = ResultPromise<{ buffer: false; reject: false; detached: true; cleanup: false; extendEnv: false }>;

export class SupervisedChild {
  state: ComponentState = 'pending';
  restarts = 0;
  pid: number | undefined;
  pidStart: number | undefined;
  upSince: number | undefined;
  reason: string | undefined;
  fix: string | undefined;
  private proc: Proc | undefined;
  private spawnedAt = 0;
  private running = false;
  private exitWaiters: (() => void)[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private stopRequested = false;
  private readonly policy: RestartPolicy;
  private readonly ownLog: RotatingFile | undefined;
  private output: ChildOutput;

  constructor(readonly spec: ComponentSpec, private readonly deps: ChildDeps) {
    this.policy = new RestartPolicy(deps.backoff);
    this.ownLog = spec.stderr === 'own-log' ? new RotatingFile(path.join(deps.logDir, `${spec.name}.log`)) : undefined;
    this.output = new ChildOutput(spec.name, deps.log, this.ownLog);
  }

  get name(): string {
    return this.spec.name;
  }

  /** True while a process of this run exists (it may still be exiting). */
  get alive(): boolean {
    return this.running;
  }

  start(): void {
    if (this.spec.missing) {
      this.set('not-installed', `${this.name} not installed: ${this.spec.missing.reason}`, this.spec.missing.reason, this.spec.missing.fix);
      return;
    }
    this.spawnOnce();
  }

  snapshot(): ComponentStatus {
    return {
      name: this.name, role: this.spec.role, state: this.state, pid: this.pid, pidStart: this.pidStart,
      restarts: this.restarts, upSince: this.upSince, reason: this.reason, fix: this.fix,
    };
  }

  /** The child's stdin (only the sink's is used: the merger writes into it). */
  get stdin(): NodeJS.WritableStream | undefined {
    return this.proc?.stdin ?? undefined;
  }

  /**
   * Stop this child and everything it started: SIGTERM to its process group and
   * tree, SIGKILL after graceMs. For the sink, `closeStdinFirst` gives it EOF and
   * drainMs to finish on its own before any signal.
   */
  async stop(graceMs: number, opts: { closeStdinFirst?: boolean; drainMs?: number } = {}): Promise<void> {
    this.stopRequested = true;
    clearTimeout(this.restartTimer);
    if (!this.running || this.pid === undefined) {
      if (this.state === 'up' || this.state === 'backoff' || this.state === 'pending') this.set('stopped', `${this.name} stopped`);
      this.ownLog?.close();
      return;
    }
    const pid = this.pid;
    this.set('stopping', `${this.name} stopping`);
    let clean = true;
    if (opts.closeStdinFirst) {
      this.proc?.stdin?.end();
      clean = await this.waitExit(opts.drainMs ?? 15_000);
    }
    clean = (await terminateGroup(pid, graceMs)) && clean;
    await this.waitExit(1000);
    this.set('stopped', `${this.name} stopped${clean ? '' : ' (needed SIGKILL)'}`);
    this.ownLog?.close();
  }

  /** Resolves true if the current process exits within ms. */
  private waitExit(ms: number): Promise<boolean> {
    if (!this.running) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private spawnOnce(): void {
    const { spec, deps } = this;
    this.spawnedAt = Date.now();
    this.output = new ChildOutput(spec.name, deps.log, this.ownLog);
    const proc = execa(spec.command, [...spec.args], {
      buffer: false,
      reject: false,
      detached: true, // own process group, reached by kill(-pgid); Ctrl-C goes to the supervisor only
      cleanup: false, // the reaper and stop() handle cleanup, for the whole group
      extendEnv: false,
      env: { ...deps.env, ...spec.env },
      // setgid, then setuid, supplementary groups cleared (libuv): nothing of root is kept.
      ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
      stdin: 'pipe', // stays open: EOF tells a child its supervisor is gone
      stdout: 'pipe',
      stderr: 'pipe',
    }) as Proc;
    this.proc = proc;
    proc.catch(() => {}); // results arrive through 'exit'/'error' below
    let done = false;
    const finish = (code: number | null, signal: string | null, error?: string): void => {
      if (done) return;
      done = true;
      void this.onExit(proc, code, signal, error);
    };
    proc.on('error', (err: NodeJS.ErrnoException) => {
      if (proc.pid === undefined) {
        // Not ours to run (a tracer that is root:kernelsight 0750): cannot run here, like exit 77.
        const denied = err.code === 'EACCES' || err.code === 'EPERM';
        finish(denied ? EXIT_NO_PERMISSION : null, null, `cannot start ${spec.command}: ${err.code ?? err.message}${denied ? ' (permission denied)' : ''}`);
      }
    });
    proc.on('exit', (code, signal) => finish(code, signal));
    if (proc.pid === undefined) return;

    this.running = true;
    this.pid = proc.pid;
    this.pidStart = readPidStat(proc.pid)?.startTime;
    this.upSince = Date.now();
    deps.reaper?.add(proc.pid, this.pidStart ?? 0, spec.role === 'sink' ? 2 : 1);
    proc.stdin?.on('error', () => {}); // EPIPE when the child died; the exit handler deals with it
    if (spec.role === 'producer') this.output.pipeStdoutToMerger(proc.stdout!, deps.merger);
    else this.output.pipeText(proc.stdout!, 'stdout');
    this.output.pipeText(proc.stderr!, 'stderr');
    if (spec.role === 'sink') deps.merger.attach(proc.stdin!);
    this.reason = undefined;
    this.fix = undefined;
    this.ownLog?.writeLine(`[supervisor] started ${spec.name} (pid ${proc.pid})${this.restarts ? `, restart ${this.restarts}` : ''}`);
    this.set('up', `${spec.name} started (pid ${proc.pid})${this.restarts ? `, restart ${this.restarts}` : ''}`);
  }

  private async onExit(proc: Proc, code: number | null, signal: string | null, error?: string): Promise<void> {
    const pid = proc.pid;
    if (this.spec.role === 'sink' && proc.stdin) this.deps.merger.detach(proc.stdin);
    // 'exit' can come before the last stderr lines; they hold the reason for 77/78.
    await Promise.race([this.output.stderrDone, sleep(500)]);
    if (this.proc === proc) {
      this.running = false;
      this.upSince = undefined;
      const waiters = this.exitWaiters;
      this.exitWaiters = [];
      for (const w of waiters) w();
    }
    const how = error ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
    // Own-log children (C tracers) get their exits in their own log too, so
    // `tail -f syscall.log` tells the whole story.
    this.ownLog?.writeLine(`[supervisor] ${this.spec.name} ${how}${this.stopRequested ? ' (asked to stop)' : ''}`);
    if (!this.stopRequested) this.decide(code, how, error !== undefined);
    if (pid === undefined) return;
    // Grandchildren may outlive the child; its group has served its purpose.
    if (!this.stopRequested) await terminateGroup(pid, 2000);
    while (groupAlive(pid)) await sleep(100); // during stop(), stop() is killing the group
    this.deps.reaper?.del(pid);
  }

  private decide(code: number | null, how: string, notStarted = false): void {
    if (code === EXIT_NO_PERMISSION || code === EXIT_NO_KERNEL_FEATURE) {
      // TS children say why in their own log (KS_SUPERVISED keeps stderr quiet); one that never started has only `how`.
      const reason = notStarted ? how : this.output.lastLine() ?? lastLogLine(path.join(this.deps.logDir, `${this.name}.log`), this.spawnedAt) ?? how;
      this.set('unavailable', notStarted ? `${this.name} unavailable: ${reason}` : `${this.name} unavailable (${how}): ${reason}`, reason, this.spec.fixes?.[code] ?? UNAVAILABLE_FIX[code]);
      return;
    }
    // After a crash the last stderr line is usually the error; after a signal it is just old chatter.
    const tail = code === null ? undefined : this.output.lastLine();
    const d = this.policy.failure();
    if (d.giveUp) {
      const reason = `${how}; ${d.failures} failures within ${Math.round(this.deps.backoff.windowMs / 1000)} s${tail ? `; last stderr: ${tail}` : ''}`;
      this.set('failed', `${this.name} failed, not restarting: ${reason}`, reason, `see ${this.logHint()}`);
      return;
    }
    this.reason = how;
    this.set('backoff', `${this.name} ${how}; restarting in ${(d.delayMs / 1000).toFixed(1)} s${tail ? ` (last stderr: ${tail})` : ''}`);
    this.restartTimer = setTimeout(() => {
      if (this.stopRequested) return;
      this.restarts++;
      this.spawnOnce();
    }, d.delayMs);
  }

  private logHint(): string {
    return this.spec.stderr === 'own-log' ? path.join(this.deps.logDir, `${this.name}.log`) : path.join(this.deps.logDir, `${this.name}.log and supervisor.log`);
  }

  private set(state: ComponentState, note: string, reason?: string, fix?: string): void {
    this.state = state;
    if (reason !== undefined) this.reason = reason;
    if (fix !== undefined) this.fix = fix;
    this.deps.onChange(this, note);
  }
}
