// Helpers for the supervisor tests: run `node dist/start.js` with a component
// list made of fixtures, poll its state file, find our processes in /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../lib/paths.js';
import type { ComponentSpec } from '../../supervisor/component.js';
import { readState, stateFilePath, type SupervisorState } from '../../lib/supervisor-state.js';
import { readCmdline } from '../../lib/procfs/pid.js';
import { listProcesses } from '../../lib/procfs/tree.js';

export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'supervisor');
export const START = path.join(ROOT, 'dist', 'start.js');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));



/** A fixture as a component; every fixture gets --marker dir so we can find it in /proc. */
export function fixture(dir: string, name: string, role: ComponentSpec['role'], script: string, args: string[] = [], stderr: ComponentSpec['stderr'] = 'own-log'): ComponentSpec {
  return { name, role, command: process.execPath, args: [path.join(FIXTURES, script), ...args, '--marker', dir], stderr };
}

/** Live processes whose command line mentions marker (our test's temp dir). */
export function processesWith(marker: string): { pid: number; cmd: string }[] {
  return listProcesses()
    .filter((p) => p.state !== 'Z' && p.pid !== process.pid)
    .map((p) => ({ pid: p.pid, cmd: readCmdline(p.pid).join(' ') }))
    .filter((p) => p.cmd.includes(marker));
}

export interface Run {
  readonly proc: ChildProcess;
  readonly dir: string;
  readonly db: string;
  readonly logDir: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  state(): SupervisorState | undefined;
  component(name: string): SupervisorState['components'][number] | undefined;
}

export function startSupervisor(dir: string, components: ComponentSpec[], opts: { args?: string[]; env?: NodeJS.ProcessEnv; backoff?: object; merger?: object } = {}): Run {
  const db = path.join(dir, 'data', 'ks.db');
  const logDir = path.join(dir, 'logs');
  const file = path.join(dir, 'components.json');
  fs.writeFileSync(file, JSON.stringify({ components, backoff: opts.backoff, merger: opts.merger, waitForDbMs: 0 }));
  const proc = spawn(process.execPath, [START, '--components-file', file, '--db', db, '--log-dir', logDir, '--stop-timeout', '2', ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const state = (): SupervisorState | undefined => readState(stateFilePath(db));
  return { proc, dir, db, logDir, exited, output: () => out, state, component: (name) => state()?.components.find((c) => c.name === name) };
}

/** Last resort for a failing test: SIGKILL everything that carries our marker, and the temp dir. */
export async function cleanup(run: Run | undefined, dir: string): Promise<void> {
  if (run && run.proc.exitCode === null && run.proc.signalCode === null) {
    run.proc.kill('SIGKILL');
    await run.exited;
  }
  for (let i = 0; i < 3; i++) {
    for (const p of processesWith(dir)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sleep(100);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Count lines of a --starts file per tag. */
export function starts(file: string, tag: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith(`${tag} `)).length;
  } catch {
    return 0;
  }
}
