// lower_io_priority: move a process to a lower I/O class/level. Node has no
// binding for ioprio_set(2), so util-linux `ionice` runs with an argv array (no
// shell). Only downward: the new class/level must rank below the current one.
import { execa } from 'execa';
import { r1 } from './estimate.js';
import { judgeStall } from './judge.js';
import { asProcess, MAX_THREADS, TARGET_PARAM } from './process-target.js';
import type { ActionHandler } from './types.js';
import { listTids, readPidStat } from '../../lib/procfs/pid.js';

export type IoClass = 'none' | 'realtime' | 'best-effort' | 'idle';
export interface IoPrio { readonly cls: IoClass; readonly level: number }

const CLASS_NUM: Record<IoClass, string> = { none: '0', realtime: '1', 'best-effort': '2', idle: '3' };

export async function readIoPrio(pid: number): Promise<IoPrio> {
  const { stdout } = await execa('ionice', ['-p', String(pid)], { timeout: 5000 });
  const m = /^(none|realtime|best-effort|idle)(?::\s*prio\s*(\d+))?/.exec(stdout.trim());
  if (!m) throw new Error(`unexpected ionice output ${JSON.stringify(stdout.slice(0, 80))}`);
  return { cls: m[1] as IoClass, level: Number(m[2] ?? 0) };
}

/** Higher rank = lower priority. Class "none" follows the nice value: level (nice+20)/5. */
export function ioRank(p: IoPrio, nice: number): number {
  switch (p.cls) {
    case 'realtime': return p.level - 8;
    case 'best-effort': return p.level;
    case 'none': return Math.floor((nice + 20) / 5);
    case 'idle': return 8;
  }
}

export async function setIoPrio(pids: readonly number[], p: IoPrio): Promise<void> {
  const args = ['-c', CLASS_NUM[p.cls]];
  if (p.cls === 'best-effort' || p.cls === 'realtime') args.push('-n', String(p.level));
  await execa('ionice', [...args, '-p', ...pids.map(String)], { timeout: 5000 });
}

export const ionice: ActionHandler = {
  spec: {
    name: 'lower_io_priority',
    description: 'Lower the I/O scheduling priority of a process (best-effort level 4..7, or idle) so other I/O is served first. Only ever lowers priority.',
    risk: 'low',
    needsApproval: false,
    reversible: true,
    targetKind: 'process',
    params: {
      target: TARGET_PARAM,
      io_class: { kind: 'enum', values: ['best-effort', 'idle'], description: 'I/O class to move the process to' },
      level: { kind: 'int', min: 4, max: 7, description: 'best-effort level (7 is lowest); ignored for idle' },
    },
  },
  async readPrior(t) {
    const p = asProcess(t);
    const prio = await readIoPrio(p.pid);
    return { cls: prio.cls, level: prio.level, nice: readPidStat(p.pid)?.nice ?? 0 };
  },
  check(_t, params, prior) {
    const nice = Number(prior.nice);
    const cur = ioRank({ cls: prior.cls as IoClass, level: Number(prior.level) }, nice);
    const next = ioRank({ cls: params.io_class as IoClass, level: Number(params.level) }, nice);
    if (next <= cur) return { rule: 'not_lowering', detail: `${params.io_class}/${params.level} does not rank below the current ${String(prior.cls)}/${String(prior.level)}` };
    return null;
  },
  describe(t, params) {
    const p = asProcess(t);
    const lvl = params.io_class === 'idle' ? '' : ` -n ${params.level}`;
    return `ionice -c ${CLASS_NUM[params.io_class as IoClass]}${lvl} -p <each thread of pid ${p.pid}> (argv, no shell)`;
  },
  async apply(t, params) {
    const p = asProcess(t);
    await setIoPrio(listTids(p.pid).slice(0, MAX_THREADS), { cls: params.io_class as IoClass, level: Number(params.level) });
  },
  async rollback(t, _params, prior) {
    const p = asProcess(t);
    await setIoPrio(listTids(p.pid).slice(0, MAX_THREADS), { cls: prior.cls as IoClass, level: Number(prior.level) });
  },
  async isApplied(t, params) {
    const now = await readIoPrio(asProcess(t).pid);
    return now.cls === params.io_class && (now.cls === 'idle' || now.level === Number(params.level));
  },
  judge: (before, after) => judgeStall(before, after, 'ioStallPct'),
  estimate({ target: t, targets, system }) {
    if (!t) return null;
    const total = targets.reduce((s, x) => s + x.ioBytesPerS, 0);
    const share = total ? t.ioBytesPerS / total : 0;
    const stall = system.ioStallPct ?? 0;
    return { metric: 'system.io_stall_pct', from: r1(stall), to: r1(stall * (1 - share / 2)),
      expectedEffect: `${t.ref} (${Math.round(share * 100)}% of process I/O) served after others: io stall ${r1(stall)}% expected to ease toward ~${r1(stall * (1 - share / 2))}%` };
  },
};
