// pause_process / resume_process / terminate_process: signals through
// process.kill (a syscall, no shell). All three need a person's approval. A pause
// lasts duration_s (expiresAfter); a terminate ends its target (removesTarget).
// Each acts on every process of the workload (recorded in the prior state); a
// pause starts one watchdog per process under one token, so one cancel finds all.
import { setTimeout as sleep } from 'node:timers/promises';
import { judgeAnyStall } from './judge.js';
import { asProcess, liveMembers, membersOf, pidList, TARGET_PARAM } from './process-target.js';
import type { Member } from '../proc/workload.js';
import type { ActionHandler, PriorState, Target } from './types.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { cancelPauseWatchdog, newWatchdogToken, startPauseWatchdog } from './pause-watchdog.js';

const isStopped = (pid: number) => /^[Tt]$/.test(readPidStat(pid)?.state ?? '');
const stopped = (t: Target) => isStopped(asProcess(t).pid);

/** Send a signal to every live member; the leader must get it (others may have exited). */
function signalAll(t: Target, prior: PriorState | undefined, sig: NodeJS.Signals): Member[] {
  const leader = asProcess(t).pid;
  const live = liveMembers(membersOf(t, prior));
  for (const m of live) {
    try { process.kill(m.pid, sig); } catch (e) { if (m.pid === leader) throw e; }
  }
  return live;
}

/** Signals are delivered asynchronously: wait (briefly) until every member's state shows it. */
async function settle(members: readonly Member[], want: boolean): Promise<void> {
  for (let i = 0; i < 100 && members.some((m) => readPidStat(m.pid) && isStopped(m.pid) !== want); i++) await sleep(10);
}

const withMembers = (t: Target) => ({ state: readPidStat(asProcess(t).pid)?.state ?? null, members: liveMembers(membersOf(t)) });

export const pause: ActionHandler = {
  spec: {
    name: 'pause_process',
    description: 'Stop a process with SIGSTOP for a bounded time; it is resumed (SIGCONT) when the time is up, on rollback, or on undo.',
    condition: 'a process whose growth or load threatens the host while a person decides',
    mechanism: 'SIGSTOP / SIGCONT: the process stops running (its memory stays)',
    risk: 'high',
    needsApproval: true,
    reversible: true,
    targetKind: 'process',
    params: {
      target: TARGET_PARAM,
      duration_s: { kind: 'int', min: 10, max: 1800, description: 'seconds before the agent resumes it' },
    },
    expiresAfter: 'duration_s',
  },
  // The watchdog token is recorded with the prior state, so rollback and undo can cancel it.
  async readPrior(t) { return { ...withMembers(t), watchdog: newWatchdogToken() }; },
  check(_t, _p, prior) {
    return /^[Tt]$/.test(String(prior.state)) ? { rule: 'already_applied', detail: 'process is already stopped' } : null;
  },
  describe: (t, p) => `kill(pid, SIGSTOP) for pids ${pidList(membersOf(t))}; kill(pid, SIGCONT) after ${p.duration_s}s`,
  async apply(t, p, prior) {
    // The deadline is owned outside the agent before any process stops.
    const deadline = Date.now() + Number(p.duration_s) * 1000;
    for (const m of liveMembers(membersOf(t, prior))) await startPauseWatchdog(String(prior.watchdog), m.pid, m.startTime, deadline);
    await settle(signalAll(t, prior, 'SIGSTOP'), true);
  },
  async rollback(t, _p, prior) { cancelPauseWatchdog(prior.watchdog); await settle(signalAll(t, prior, 'SIGCONT'), false); },
  async cleanup(_t, _p, prior) { cancelPauseWatchdog(prior.watchdog); },
  async isApplied(t) { return stopped(t); },
  judge: (before, after) => judgeAnyStall(before, after),
  estimate({ params, target: t }) {
    if (!t) return null;
    return { metric: `${t.ref}.cpu_pct`, from: t.cpuPct, to: 0,
      expectedEffect: `${t.ref} stops for ${String(params.duration_s)}s: its ${t.cpuPct}% cpu and ${Math.round(t.ioBytesPerS / 1024)} KiB/s I/O stop, its ${t.memPct}% of RAM stops growing (not freed)` };
  },
};

export const resume: ActionHandler = {
  spec: {
    name: 'resume_process',
    description: 'Continue a stopped process with SIGCONT.',
    condition: 'a process stopped (by a pause or by someone) that should run again',
    mechanism: 'SIGCONT',
    risk: 'high',
    needsApproval: true,
    reversible: true,
    targetKind: 'process',
    params: { target: TARGET_PARAM },
    // Its undo stops a running process, with no deadline: never without a person asking.
    reverseOnlyOnRequest: true,
  },
  async readPrior(t) { return withMembers(t); },
  check(_t, _p, prior) {
    return /^[Tt]$/.test(String(prior.state)) ? null : { rule: 'not_stopped', detail: `process state is ${String(prior.state)}` };
  },
  describe: (t) => `kill(pid, SIGCONT) for pids ${pidList(membersOf(t))}`,
  async apply(t, _p, prior) { await settle(signalAll(t, prior, 'SIGCONT'), false); },
  async rollback(t, _p, prior) { await settle(signalAll(t, prior, 'SIGSTOP'), true); },
  async isApplied(t) { return !stopped(t); },
  judge: (before, after) => judgeAnyStall(before, after),
};

export const terminate: ActionHandler = {
  spec: {
    name: 'terminate_process',
    description: 'Ask a process to exit with SIGTERM. Irreversible.',
    condition: 'a runaway a person has decided to end',
    mechanism: 'SIGTERM: the process is asked to exit (it may handle or ignore it)',
    risk: 'high',
    needsApproval: true,
    reversible: false,
    targetKind: 'process',
    params: { target: TARGET_PARAM },
    removesTarget: true,
  },
  async readPrior(t) { return withMembers(t); },
  check: () => null,
  describe: (t) => `kill(pid, SIGTERM) for pids ${pidList(membersOf(t))}`,
  async apply(t, _p, prior) { signalAll(t, prior, 'SIGTERM'); },
  async isApplied(t) {
    const p = asProcess(t);
    const s = readPidStat(p.pid);
    return !s || s.startTime !== p.startTime || s.state === 'Z';
  },
  judge: (before, after) => judgeAnyStall(before, after),
};
