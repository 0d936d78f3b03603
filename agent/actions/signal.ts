// pause_process / resume_process / terminate_process: signals through
// process.kill (a syscall, no shell). All three need a person's approval. A pause
// lasts duration_s (expiresAfter); a terminate ends its target (removesTarget).
import { setTimeout as sleep } from 'node:timers/promises';
import { judgeAnyStall } from './judge.js';
import { asProcess, TARGET_PARAM } from './process-target.js';
import type { ActionHandler, Target } from './types.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { cancelPauseWatchdog, newWatchdogToken, startPauseWatchdog } from './pause-watchdog.js';

const stopped = (t: Target) => /^[Tt]$/.test(readPidStat(asProcess(t).pid)?.state ?? '');

/** Signals are delivered asynchronously: wait (briefly) until the state shows it. */
async function settle(t: Target, want: boolean): Promise<void> {
  for (let i = 0; i < 100 && stopped(t) !== want; i++) await sleep(10);
}

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
  async readPrior(t) { return { state: readPidStat(asProcess(t).pid)?.state ?? null, watchdog: newWatchdogToken() }; },
  check(_t, _p, prior) {
    return /^[Tt]$/.test(String(prior.state)) ? { rule: 'already_applied', detail: 'process is already stopped' } : null;
  },
  describe: (t, p) => `kill(${asProcess(t).pid}, SIGSTOP); kill(${asProcess(t).pid}, SIGCONT) after ${p.duration_s}s`,
  async apply(t, p, prior) {
    const { pid, startTime } = asProcess(t);
    // The deadline is owned outside the agent before the process stops.
    await startPauseWatchdog(String(prior.watchdog), pid, startTime, Date.now() + Number(p.duration_s) * 1000);
    process.kill(pid, 'SIGSTOP');
    await settle(t, true);
  },
  async rollback(t, _p, prior) { cancelPauseWatchdog(prior.watchdog); process.kill(asProcess(t).pid, 'SIGCONT'); await settle(t, false); },
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
  async readPrior(t) { return { state: readPidStat(asProcess(t).pid)?.state ?? null }; },
  check(_t, _p, prior) {
    return /^[Tt]$/.test(String(prior.state)) ? null : { rule: 'not_stopped', detail: `process state is ${String(prior.state)}` };
  },
  describe: (t) => `kill(${asProcess(t).pid}, SIGCONT)`,
  async apply(t) { process.kill(asProcess(t).pid, 'SIGCONT'); await settle(t, false); },
  async rollback(t) { process.kill(asProcess(t).pid, 'SIGSTOP'); await settle(t, true); },
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
  async readPrior(t) { return { state: readPidStat(asProcess(t).pid)?.state ?? null }; },
  check: () => null,
  describe: (t) => `kill(${asProcess(t).pid}, SIGTERM)`,
  async apply(t) { process.kill(asProcess(t).pid, 'SIGTERM'); },
  async isApplied(t) {
    const p = asProcess(t);
    const s = readPidStat(p.pid);
    return !s || s.startTime !== p.startTime || s.state === 'Z';
  },
  judge: (before, after) => judgeAnyStall(before, after),
};
