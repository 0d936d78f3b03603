// Top processes by CPU and by resident memory, each identified by (pid, start
// time) so the agent can re-check it is the same process before acting on it.
import fs from 'node:fs';
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { CounterSet, perSecond, round } from './rates.js';
import { join, readText, toNumber, type SampleTime, type Source, type SourceContext } from './source.js';
import { sysconf } from './sysconf.js';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  majflt: number;
  utime: number;
  stime: number;
  nice: number;
  threads: number;
  /** Clock ticks since boot (field 22). */
  start_time: number;
  rss_pages: number;
}

/**
 * Parse /proc/<pid>/stat. comm is "(...)" and may itself hold spaces and
 * parentheses (a process can name itself "a) (b"), so it runs to the LAST ')'.
 */
export function parsePidStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`pid stat: no "(comm)" in ${JSON.stringify(text.slice(0, 80))}`);
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const field = (n: number, name: string): number => toNumber(rest[n - 3], `pid stat ${name}`);
  if (rest.length < 22) throw new Error(`pid stat: only ${rest.length + 2} fields`);
  return {
    pid: toNumber(text.slice(0, open).trim(), 'pid stat pid'),
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: field(4, 'ppid'),
    majflt: field(12, 'majflt'),
    utime: field(14, 'utime'),
    stime: field(15, 'stime'),
    nice: field(19, 'nice'),
    threads: field(20, 'num_threads'),
    start_time: field(22, 'starttime'),
    rss_pages: field(24, 'rss'),
  };
}

/** Real uid from /proc/<pid>/status (stat does not carry it). */
export function parseStatusUid(text: string): number {
  const uid = /^Uid:\s+(\d+)/m.exec(text);
  if (!uid) throw new Error('pid status: no Uid line');
  return Number(uid[1]);
}

export interface ProcSample {
  stat: ProcStat;
  cpu_pct: number;
  major_faults_per_s: number;
  rss_kb: number;
}

/** The top `n` by CPU (those that used any) and the top `n` by RSS (those with any). */
export function rankProcesses(samples: readonly ProcSample[], n: number): { cpu: ProcSample[]; rss: ProcSample[] } {
  const byPid = (a: ProcSample, b: ProcSample): number => a.stat.pid - b.stat.pid;
  const cpu = samples.filter((s) => s.cpu_pct > 0).sort((a, b) => b.cpu_pct - a.cpu_pct || byPid(a, b)).slice(0, n);
  const rss = samples.filter((s) => s.rss_kb > 0).sort((a, b) => b.rss_kb - a.rss_kb || byPid(a, b)).slice(0, n);
  return { cpu, rss };
}

export function processFields(s: ProcSample, uid: number, rankBy: 'cpu' | 'rss'): Omit<EventOf<'process'>, 'v' | 'type' | 'ts'> {
  return {
    pid: s.stat.pid,
    start_time: s.stat.start_time,
    comm: s.stat.comm.slice(0, 16),
    state: s.stat.state.slice(0, 2),
    uid,
    ppid: s.stat.ppid,
    cpu_pct: s.cpu_pct,
    rss_kb: s.rss_kb,
    threads: s.stat.threads,
    nice: s.stat.nice,
    major_faults_per_s: s.major_faults_per_s,
    rank_by: rankBy,
  };
}

export interface ProcessOptions {
  /** How many processes per ranking (default 5). */
  readonly top?: number;
}

type ProcCounter = 'ticks' | 'majflt';

export class ProcessSource implements Source {
  readonly name = 'processes';
  private readonly counters = new CounterSet<ProcCounter>();
  private lastMono: number | undefined;
  constructor(private readonly ctx: SourceContext, private readonly opts: ProcessOptions = {}) {}

  sample(now: SampleTime): KsEvent[] {
    const { clockTicks, pageSize } = sysconf();
    const pids = fs.readdirSync(this.ctx.procRoot).filter((d) => /^\d+$/.test(d));
    const samples: ProcSample[] = [];
    const seen = new Set<string>();
    for (const pid of pids) {
      const stat = this.readStat(pid);
      if (!stat) continue;
      // pid alone is reused; with the start time it names one process.
      const key = `${stat.pid}:${stat.start_time}`;
      seen.add(key);
      const counters = { ticks: stat.utime + stat.stime, majflt: stat.majflt };
      // A process not seen last round was born after it, so its counters started at 0 in this interval.
      const deltas = this.counters.update(key, counters, now.mono, this.lastMono);
      if (!deltas) continue;
      samples.push({
        stat,
        cpu_pct: round((deltas.d.ticks / clockTicks / deltas.interval_s) * 100, 2),
        major_faults_per_s: perSecond(deltas.d.majflt, deltas.interval_s),
        // stat's rss is the same mm counter as statm's resident and status's
        // VmRSS; taking it from the file we already read keeps ranking and
        // output consistent and saves a read per process.
        rss_kb: (stat.rss_pages * pageSize) / 1024,
      });
    }
    this.counters.retain(seen);
    this.lastMono = now.mono;
    const top = rankProcesses(samples, this.opts.top ?? 5);
    const events: KsEvent[] = [];
    for (const rankBy of ['cpu', 'rss'] as const) {
      for (const s of top[rankBy]) {
        const uid = this.readUid(s.stat.pid);
        if (uid === undefined) continue; // exited since its stat was read
        events.push(makeEvent('process', processFields(s, uid, rankBy), now.ts));
      }
    }
    return events;
  }

  private readStat(pid: string): ProcStat | undefined {
    let text: string;
    try {
      text = readText(join(this.ctx.procRoot, pid, 'stat'));
    } catch {
      return undefined; // exited between readdir and read: normal
    }
    try {
      return parsePidStat(text);
    } catch (err) {
      this.ctx.warnOnce('pid-stat-parse', `skipping unparsable ${join(this.ctx.procRoot, pid, 'stat')}: ${(err as Error).message}`);
      return undefined;
    }
  }

  private readUid(pid: number): number | undefined {
    try {
      return parseStatusUid(readText(join(this.ctx.procRoot, String(pid), 'status')));
    } catch {
      return undefined;
    }
  }
}
