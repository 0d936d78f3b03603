// lower_io_priority: move a process to a lower I/O class/level. Node has no
// binding for ioprio_get/ioprio_set(2) and we keep no native addon, so util-linux
// `ionice` runs by absolute path, with an argv array (no shell) and a clean
// environment. I/O priority is per thread: "only downward" holds per thread, and
// undo puts back each thread's own prior class and level.
import os from 'node:os';
import { execa } from 'execa';
import { r1 } from './estimate.js';
import { judgeIo } from './judge.js';
import { ioPriorityProblem, workloadDisks } from './mechanism.js';
import { asProcess, liveMembers, memberTids, membersOf, pidList, TARGET_PARAM, tooManyThreads } from './process-target.js';
import type { ActionHandler, Params, PriorState } from './types.js';
import { readPidStat } from '../../lib/procfs/pid.js';
import { systemExecOptions, systemProgram } from '../../lib/system-program.js';

export type IoClass = 'none' | 'realtime' | 'best-effort' | 'idle';
export interface IoPrio { readonly cls: IoClass; readonly level: number }
/** One thread's I/O priority and the nice value that class "none" follows. */
interface ThreadIo extends IoPrio { readonly nice: number }

const CLASS_NUM: Record<IoClass, string> = { none: '0', realtime: '1', 'best-effort': '2', idle: '3' };
const OPTS = { timeout: 10_000, ...systemExecOptions } as const;
const LINE = /^(none|realtime|best-effort|idle)(?::\s*prio\s*(\d+))?$/;

function parseLine(line: string): IoPrio {
  const m = LINE.exec(line.trim());
  if (!m) throw new Error(`unexpected ionice output ${JSON.stringify(line.slice(0, 80))}`);
  return { cls: m[1] as IoClass, level: Number(m[2] ?? 0) };
}

export async function readIoPrio(pid: number): Promise<IoPrio> {
  const { stdout } = await execa(systemProgram('ionice'), ['-p', String(pid)], OPTS);
  return parseLine(stdout);
}

/**
 * I/O priority of many threads, one exec when none exits meanwhile; ionice stops
 * at the first thread that is gone, so then thread by thread. Gone threads are absent.
 */
async function readIoPrios(tids: readonly number[]): Promise<Map<number, IoPrio>> {
  const out = new Map<number, IoPrio>();
  if (tids.length === 0) return out;
  const all = await execa(systemProgram('ionice'), ['-p', ...tids.map(String)], { ...OPTS, reject: false });
  const lines = String(all.stdout).split('\n').filter((l) => l.trim() !== '');
  if (all.exitCode === 0 && lines.length === tids.length) {
    tids.forEach((tid, i) => out.set(tid, parseLine(lines[i])));
    return out;
  }
  for (const tid of tids) {
    const r = await execa(systemProgram('ionice'), ['-p', String(tid)], { ...OPTS, reject: false });
    if (r.exitCode === 0) out.set(tid, parseLine(String(r.stdout)));
  }
  return out;
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

/** Set threads to `p`; a thread that exited meanwhile is skipped, the main thread must succeed. */
export async function setIoPrio(tids: readonly number[], p: IoPrio, mainPid?: number): Promise<void> {
  if (tids.length === 0) return;
  const args = ['-c', CLASS_NUM[p.cls]];
  if (p.cls === 'best-effort' || p.cls === 'realtime') args.push('-n', String(p.level));
  const all = await execa(systemProgram('ionice'), [...args, '-p', ...tids.map(String)], { ...OPTS, reject: false });
  if (all.exitCode === 0) return;
  for (const tid of tids) {
    const r = await execa(systemProgram('ionice'), [...args, '-p', String(tid)], { ...OPTS, reject: false });
    if (r.exitCode !== 0 && tid === mainPid) throw new Error(`ionice ${args.join(' ')} -p ${tid}: ${String(r.stderr).slice(0, 200)}`);
  }
}

const sameIo = (a: IoPrio, b: IoPrio) => a.cls === b.cls && (a.cls === 'idle' || a.cls === 'none' || a.level === b.level);
const priorThreads = (prior: PriorState) => (prior.threads ?? {}) as Record<string, ThreadIo>;
const wanted = (params: Params): IoPrio => ({ cls: params.io_class as IoClass, level: Number(params.level) });

/** Threads the action lowers: ranked above the new class/level before it. */
function lowered(prior: PriorState, params: Params): number[] {
  const next = wanted(params);
  return Object.entries(priorThreads(prior))
    .filter(([, io]) => ioRank(next, io.nice) > ioRank(io, io.nice))
    .map(([tid]) => Number(tid));
}

export const ionice: ActionHandler = {
  spec: {
    name: 'lower_io_priority',
    description: 'Lower the I/O scheduling priority of a process (best-effort level 4..7, or idle) so other I/O is served first. Only ever lowers priority, thread by thread.',
    condition: 'a workload whose I/O delays other processes\' I/O on the same disk',
    mechanism: 'I/O priority (ioprio_set per thread): BFQ orders by class and level, mq-deadline by class only (levels do nothing), none and kyber ignore it',
    risk: 'low',
    needsApproval: false,
    reversible: true,
    switchback: true,
    targetKind: 'process',
    params: {
      target: TARGET_PARAM,
      io_class: { kind: 'enum', values: ['best-effort', 'idle'], description: 'I/O class to move the process to' },
      level: { kind: 'int', min: 4, max: 7, description: 'best-effort level (7 is lowest); ignored for idle' },
    },
  },
  async readPrior(t) {
    const p = asProcess(t);
    const members = liveMembers(membersOf(t));
    const prios = await readIoPrios(memberTids(members));
    const threads: Record<string, ThreadIo> = {};
    for (const [tid, io] of prios) {
      let nice: number;
      try { nice = os.getPriority(tid); } catch { continue; }
      threads[tid] = { ...io, nice };
    }
    const main = threads[p.pid];
    if (!main) throw new Error(`could not read the I/O priority of pid ${p.pid}`);
    return { cls: main.cls, level: main.level, nice: readPidStat(p.pid)?.nice ?? main.nice, members, threads };
  },
  applies(t, params) {
    return ioPriorityProblem(workloadDisks(liveMembers(membersOf(t)).map((m) => m.pid)), String(params.io_class));
  },
  check(_t, params, prior) {
    const too = tooManyThreads(Object.keys(priorThreads(prior)).length);
    if (too) return too;
    if (lowered(prior, params).length === 0) return { rule: 'not_lowering', detail: `${params.io_class}/${params.level} does not rank below the current ${String(prior.cls)}/${String(prior.level)} of any thread` };
    return null;
  },
  describe(t, params) {
    const lvl = params.io_class === 'idle' ? '' : ` -n ${params.level}`;
    return `${systemProgram('ionice')} -c ${CLASS_NUM[params.io_class as IoClass]}${lvl} -p <each thread ranked above it of pids ${pidList(membersOf(t))}> (argv, no shell, clean env)`;
  },
  async apply(t, params, prior) {
    const p = asProcess(t);
    const live = new Set(memberTids(membersOf(t, prior)));
    await setIoPrio(lowered(prior, params).filter((tid) => live.has(tid)), wanted(params), p.pid);
  },
  async rollback(t, params, prior) {
    const p = asProcess(t);
    const threads = priorThreads(prior);
    const next = wanted(params);
    const base: ThreadIo = threads[p.pid] ?? { cls: prior.cls as IoClass, level: Number(prior.level), nice: Number(prior.nice) };
    const now = await readIoPrios(memberTids(membersOf(t, prior)));
    // Group by prior value: one exec per distinct class/level.
    const groups = new Map<string, { io: IoPrio; tids: number[] }>();
    for (const [tid, cur] of now) {
      // A thread born after the action inherited ours: give it the process's prior value.
      const was = threads[tid] ?? base;
      if (ioRank(next, was.nice) <= ioRank(was, was.nice)) continue; // we never touched it
      if (!sameIo(cur, next)) continue; // changed since by someone else
      const key = `${was.cls}:${was.level}`;
      const g = groups.get(key) ?? { io: { cls: was.cls, level: was.level }, tids: [] };
      g.tids.push(tid);
      groups.set(key, g);
    }
    for (const g of groups.values()) await setIoPrio(g.tids, g.io, p.pid);
  },
  async isApplied(t, params, prior) {
    const live = new Set(memberTids(membersOf(t, prior)));
    const tids = lowered(prior, params).filter((tid) => live.has(tid));
    const now = await readIoPrios(tids);
    return [...now.values()].some((io) => sameIo(io, wanted(params)));
  },
  judge: (before, after) => judgeIo(before, after),
  estimate({ target: t, targets, system }) {
    if (!t) return null;
    const total = targets.reduce((s, x) => s + x.ioBytesPerS, 0);
    const share = total ? t.ioBytesPerS / total : 0;
    const stall = system.ioStallPct ?? 0;
    return { metric: 'system.io_stall_pct', from: r1(stall), to: r1(stall * (1 - share / 2)),
      expectedEffect: `${t.ref} (${Math.round(share * 100)}% of process I/O) served after others: io stall ${r1(stall)}% expected to ease toward ~${r1(stall * (1 - share / 2))}%` };
  },
};
