// throttle_io: cap a workload's read and write bandwidth on its disks by moving it
// into a child blkio cgroup with throttle rules (v1 blkio.throttle.*_bps_device).
// Works on any I/O scheduler (the limit is applied before the scheduler). On v1,
// buffered writes are written back by the kernel's flusher, outside the cgroup:
// the limit reaches direct and synchronous I/O (O_DIRECT, O_DSYNC, fsync), reads,
// and page faults.
import { detectController } from './cgroup.js';
import { judgeIo } from './judge.js';
import { workloadDisks } from './mechanism.js';
import { liveMembers, membersOf, TARGET_PARAM } from './process-target.js';
import type { ActionHandler, Params, PriorState, Target } from './types.js';
import { applyChild, childApplied, childOf, describeChild, planChild, restoreChild, type Writes } from './workload-cgroup.js';

const blkio = () => detectController('io', 'blkio');

function disksOf(t: Target): string[] {
  return workloadDisks(liveMembers(membersOf(t)).map((m) => m.pid)).map((d) => d.majMin).sort();
}

/** v1 rules: one "maj:min bytes/s" write per disk per direction. */
function files(disks: readonly string[], params: Params): Writes {
  const bps = Number(params.mib_per_s) * 1024 * 1024;
  return disks.flatMap((d) => [['blkio.throttle.read_bps_device', `${d} ${bps}`], ['blkio.throttle.write_bps_device', `${d} ${bps}`]] as const);
}

const disksIn = (prior: PriorState): string[] => (Array.isArray(prior.disks) ? (prior.disks as string[]) : []);

export const ioThrottle: ActionHandler = {
  spec: {
    name: 'throttle_io',
    description: 'Cap the read and write bandwidth of a workload on its disks (MiB/s), on any I/O scheduler.',
    condition: 'a workload whose direct or synchronous I/O delays other processes\' I/O on the same disk',
    mechanism: 'blk-throttle: blkio.throttle.read_bps_device / write_bps_device of a child cgroup (v1); applied before the I/O scheduler, so it works with none, mq-deadline, kyber and bfq; on v1 it does not reach buffered writes the flusher writes back',
    risk: 'medium',
    needsApproval: false,
    reversible: true,
    switchback: true,
    targetKind: 'process',
    params: {
      target: TARGET_PARAM,
      mib_per_s: { kind: 'int', min: 1, max: 1024, description: 'bandwidth cap per direction per disk, MiB/s' },
    },
  },
  async readPrior(t) {
    return { ...planChild(t, blkio(), 'ks-io-', 'blkio'), disks: disksOf(t) };
  },
  check(_t, _p, prior) {
    const pl = childOf(prior);
    if (pl.blocked) return pl.blocked;
    return disksIn(prior).length ? null : { rule: 'mechanism_not_applicable', detail: 'no disk found behind the workload\'s open files: nothing to throttle' };
  },
  describe: (t, params) => describeChild(planChild(t, blkio(), 'ks-io-', 'blkio'), files(disksOf(t), params)),
  apply: (_t, params, prior) => applyChild(childOf(prior), files(disksIn(prior), params)),
  rollback: (_t, _p, prior) => restoreChild(childOf(prior)),
  cleanup: (_t, _p, prior) => restoreChild(childOf(prior)),
  async isApplied(t, params, prior) {
    return childApplied(t, childOf(prior), files(disksIn(prior), params));
  },
  judge: (before, after) => judgeIo(before, after),
  estimate({ params, target: t }) {
    if (!t) return null;
    const cap = Number(params.mib_per_s) * 1024;
    return { metric: `${t.ref}.io_kib_per_s`, from: Math.round(t.ioBytesPerS / 1024), to: Math.min(Math.round(t.ioBytesPerS / 1024), 2 * cap),
      expectedEffect: `${t.ref} capped at ${params.mib_per_s} MiB/s per direction: other I/O on its disks should wait less` };
  },
};
