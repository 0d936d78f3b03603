// The scope root of an end-to-end scenario: the agent runs with --scope-pid <this
// process>, so the workloads this process starts are the only processes it may
// touch on a shared machine. The launcher itself is never a target (a scope root
// is not its own descendant). Protocol, one JSON object per line:
//   stdin:  {"id": 1, "cmd": "python3", "args": ["-c", "..."], "cwd": "/tmp/x"}
//           {"id": 1, "kill": true}
//   stdout: {"id": 1, "pid": 1234} | {"id": 1, "exited": 0, "signal": null} | {"id": 1, "error": "..."}
// Workloads stay in the launcher's session on purpose: with autogroup scheduling
// (kernel.sched_autogroup_enabled=1) nice only orders tasks of one session, so a
// workload in a session of its own could not be helped by a renice against the
// competitor the test runs beside it. On stdin EOF, SIGTERM or SIGINT every
// workload gets SIGKILL and the launcher exits, so a crashed test leaves nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { descendants } from '../lib/procfs/tree.js';

interface Request { id: number; cmd?: string; args?: string[]; cwd?: string; kill?: boolean }

const children = new Map<number, ChildProcess>();
const reply = (o: Record<string, unknown>): void => { process.stdout.write(`${JSON.stringify(o)}\n`); };

/** SIGKILL the workload and everything it started (stress-ng forks its workers). */
function kill(c: ChildProcess): void {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
  for (const pid of [c.pid, ...descendants(c.pid).map((p) => p.pid)]) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

function run(r: Request): void {
  const c = spawn(r.cmd!, r.args ?? [], { cwd: r.cwd, stdio: 'ignore' });
  children.set(r.id, c);
  c.on('spawn', () => reply({ id: r.id, pid: c.pid }));
  c.on('error', (e) => reply({ id: r.id, error: e.message }));
  c.on('exit', (code, signal) => reply({ id: r.id, exited: code, signal }));
}

function shutdown(): void {
  for (const c of children.values()) kill(c);
  process.exit(0);
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  const r = JSON.parse(line) as Request;
  if (r.kill) { const c = children.get(r.id); if (c) kill(c); return; }
  run(r);
}).on('close', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
reply({ ready: process.pid });
