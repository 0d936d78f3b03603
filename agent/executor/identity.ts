// A pid alone is not an identity: pids are reused, and start times (ticks after
// boot) repeat across reboots. (pid, start time, boot id) is one, and it is
// re-read from /proc just before every action, every rollback and every undo.
import { readBootId } from '../../lib/procfs/boot-id.js';
import type { PriorState, Refusal } from '../actions/types.js';
import { type PidStat, readPidStat } from '../../lib/procfs/pid.js';

/** The key under which the executor records the boot id next to an action's prior state. */
export const BOOT_KEY = 'boot_id';

/** This boot's id (/proc/sys/kernel/random/boot_id). */
export const bootId = (): string => readBootId();

/** The prior state as recorded: the action's own plus the boot it was read in. */
export function withBoot(prior: PriorState): PriorState {
  return { ...prior, [BOOT_KEY]: bootId() };
}

/** Split a recorded prior state into the action's own and its boot id (undefined on rows from before it was recorded). */
export function splitBoot(recorded: PriorState): { prior: PriorState; bootId?: string } {
  const { [BOOT_KEY]: boot, ...prior } = recorded;
  return typeof boot === 'string' ? { prior, bootId: boot } : { prior };
}

/** Refused when the change was recorded in another boot: nothing it named exists any more. */
export function checkBoot(recorded: string | undefined): Refusal | null {
  if (recorded === undefined) return null;
  const now = bootId();
  return recorded === now ? null : { rule: 'rebooted', detail: `recorded in boot ${recorded}, the host has rebooted since (boot ${now})` };
}

export function checkIdentity(pid: number, startTime: number, recordedBoot?: string): { stat: PidStat } | { refusal: Refusal } {
  const boot = checkBoot(recordedBoot);
  if (boot) return { refusal: boot };
  const stat = readPidStat(pid);
  if (!stat) return { refusal: { rule: 'target_gone', detail: `pid ${pid} no longer exists` } };
  if (stat.startTime !== startTime) {
    return { refusal: { rule: 'identity_mismatch', detail: `pid ${pid} now started at ${stat.startTime}, expected ${startTime}: a different process` } };
  }
  if (stat.state === 'Z' || stat.state === 'X') return { refusal: { rule: 'target_gone', detail: `pid ${pid} is a zombie` } };
  return { stat };
}
