// A pid alone is not an identity: pids are reused. (pid, start time) is, and it is
// re-read from /proc just before every action and every rollback.
import type { Refusal } from '../actions/types.js';
import { type PidStat, readPidStat } from '../../lib/procfs/pid.js';

export function checkIdentity(pid: number, startTime: number): { stat: PidStat } | { refusal: Refusal } {
  const stat = readPidStat(pid);
  if (!stat) return { refusal: { rule: 'target_gone', detail: `pid ${pid} no longer exists` } };
  if (stat.startTime !== startTime) {
    return { refusal: { rule: 'identity_mismatch', detail: `pid ${pid} now started at ${stat.startTime}, expected ${startTime}: a different process` } };
  }
  if (stat.state === 'Z' || stat.state === 'X') return { refusal: { rule: 'target_gone', detail: `pid ${pid} is a zombie` } };
  return { stat };
}
