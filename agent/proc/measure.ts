// One measurement window for one action: the target workload's processes (what
// it used) and the victims' harm (what VERIFY judges), taken over the same time.
import fs from 'node:fs';
import { workloadDisks } from '../actions/mechanism.js';
import { liveMembers, membersOf } from '../actions/process-target.js';
import type { Measurement, PriorState, Target } from '../actions/types.js';
import { measureHarm } from './harm.js';
import { sample } from './sampler.js';

/** Disks with an I/O scheduler and some I/O since boot (loop and zram devices left out). */
function busyDisks(): string[] {
  let names: string[] = [];
  try { names = fs.readdirSync('/sys/block'); } catch { return []; }
  return names.filter((n) => !/^(loop|ram|zram)/.test(n) && fs.existsSync(`/sys/block/${n}/queue/scheduler`));
}

export async function measureTarget(ms: number, t: Target, prior?: PriorState, signal?: AbortSignal): Promise<Measurement> {
  const members = t.kind === 'process' ? liveMembers(membersOf(t, prior)) : [];
  const devices = t.kind === 'process' ? workloadDisks(members.map((m) => m.pid)).map((d) => d.name) : busyDisks();
  const [s, harm] = await Promise.all([sample(ms, members.map((m) => m.pid), signal), measureHarm(ms, members, devices, signal)]);
  return { ...s, harm };
}
