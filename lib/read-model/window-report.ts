// Everything recorded about one time window, in one structure: whether there is
// data, the top processes by memory, CPU and I/O then, each key metric's worst
// sample and baseline, block latency per device, the signals active, the
// decisions taken and the incidents that touch it. Chat's rules and its model
// tool read it; so will the dashboard and MCP.
import type { Db } from '../db.js';
import type { TimeWindow } from '../time-window.js';
import { decisionsIn, type Decision } from './decisions.js';
import { coverage, deviceLatencyIn, groupsIn, metricIn, processesIn, type WindowHistory } from './history.js';
import { listIncidents, type Incident } from './incidents.js';
import { signalsIn, type SignalRecord } from './signals.js';

export interface WindowReport extends WindowHistory {
  readonly signals: readonly SignalRecord[];
  readonly decisions: readonly Decision[];
  readonly incidents: readonly Incident[];
}

const HOST_METRICS: ReadonlyArray<readonly [string, 'max' | 'min']> = [
  ['cpu.busy_pct', 'max'], ['load.load1_per_cpu', 'max'], ['memory.available_kb', 'min'],
  ['psi.cpu.some_avg10', 'max'], ['psi.memory.some_avg10', 'max'], ['psi.io.some_avg10', 'max'],
  ['vmstat.pgmajfault_per_s', 'max'], ['tcp.retrans_per_s', 'max'],
];

export function windowReport(db: Db, w: TimeWindow, nowS = Date.now() / 1000, limit = 5): WindowReport {
  const cov = coverage(db, w, nowS);
  const devices = groupsIn(db, 'block_stats', 'dev', w);
  const names: Array<readonly [string, 'max' | 'min']> = [...HOST_METRICS, ...devices.flatMap((d) => [[`block.${d}.await_ms`, 'max'], [`block.${d}.util_pct`, 'max']] as const)];
  const metrics = names.flatMap(([m, worst]) => { try { return [metricIn(db, m, w, worst)]; } catch { return []; } }).filter((m) => m.n > 0);
  return {
    window: w, coverage: cov,
    processes: processesIn(db, w, limit),
    metrics, latency: deviceLatencyIn(db, w), signals: signalsIn(db, w, 50), decisions: decisionsIn(db, w, 50),
    incidents: listIncidents(db, w, nowS),
  };
}
