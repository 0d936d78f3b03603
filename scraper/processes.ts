// Top processes by CPU and by resident memory, each identified by (pid, start
// time) so the agent can re-check it is the same process before acting on it.
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { listPids, parsePidStat, parsePidStatus, type PidStat } from '../lib/procfs/pid.js';
import { CounterSet, perSecond, round } from './rates.js';
import { join, readText, type SampleTime, type Source, type SourceContext } from './source.js';
import { sysconf } from './sysconf.js';

export interface ProcSample {
  stat: PidStat;
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
    start_time: s.stat.startTime,
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
    const pids = listPids(this.ctx.procRoot);
    const samples: ProcSample[] = [];
    const seen = new Set<string>();
    for (const pid of pids) {
      const stat = this.readStat(pid);
      if (!stat) continue;
      // pid alone is reused; with the start time it names one process.
      const key = `${stat.pid}:${stat.startTime}`;
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
        rss_kb: (stat.rssPages * pageSize) / 1024,
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

  private readStat(pid: number): PidStat | undefined {
    let text: string;
    try {
      text = readText(join(this.ctx.procRoot, String(pid), 'stat'));
    } catch {
      return undefined; // exited between readdir and read: normal
    }
    try {
      return parsePidStat(text);
    } catch (err) {
      this.ctx.warnOnce('pid-stat-parse', `skipping unparsable ${join(this.ctx.procRoot, String(pid), 'stat')}: ${(err as Error).message}`);
      return undefined;
    }
  }

  private readUid(pid: number): number | undefined {
    try {
      return parsePidStatus(readText(join(this.ctx.procRoot, String(pid), 'status'))).uid;
    } catch {
      return undefined;
    }
  }
}
