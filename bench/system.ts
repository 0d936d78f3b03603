// The whole system, measured as a user runs it: `node dist/start.js` with the
// production intervals (scrape 5 s, agent 60 s, agent live, exporter and
// dashboard on, nobody looking) on a temp database, next to the systems people
// compare it with, one after the other in this run, with the same method:
//   1. idle, the same window each: Netdata, node_exporter, then KernelSight:
//      CPU (% of one core: every process from /proc/<pid>/stat, plus KernelSight's
//      eBPF programs' run time), RSS and PSS (smaps_rollup, summed, every 2 s);
//      the ratios, and the targets of the footprint issue;
//   2. under load (stress-ng --cpu 4 on this machine's CPUs): the same figures, and
//      how long from the workload's start to the signal and to the agent's action.
// The agent is confined (--scope-pid) to the benchmark's own workload.
//
// Standalone: node dist/bench/system.js [--idle 120] [--load 60]
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { measureFootprint, type Footprint } from '../harness/footprint.js';
import { enableBpfStats } from '../harness/procs.js';
import { Scope } from '../harness/scope.js';
import { actions, allUp, cannotRun, query, signals, startSystem, type RealSystem } from '../harness/system.js';
import { descendants } from '../lib/procfs/tree.js';
import { tempDir, waitFor } from '../harness/wait.js';
import { ensureInstalled, measureBaseline, NETDATA, NODE_EXPORTER, type BaselineResult } from './baselines.js';

const SCRAPE_S = 5;
const AGENT_S = 60;
/** Past start-up before a window opens: programs loaded, first scrapes and cycle done. */
const WARMUP_S = 20;
/** The footprint issue's targets, idle, exporter and dashboard running. */
const TARGET = { pss_mb: 100, pss_x_netdata: 2, rss_mb: 200, cpu_pct_one_core: 1 };

const r1 = (x: number) => Math.round(x * 10) / 10;
const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');

const totalCpu = (f: Footprint): number => r2(f.cpu_pct_one_core + (f.bpf_cpu_pct_one_core ?? 0));
const r2 = (x: number) => Math.round(x * 100) / 100;

function footprintReport(f: Footprint): Record<string, unknown> {
  return {
    window_s: f.seconds,
    processes: f.processes,
    cpu_pct_one_core_userspace: f.cpu_pct_one_core,
    cpu_pct_one_core_ebpf: f.bpf_cpu_pct_one_core ?? 'not measured (kernel.bpf_stats_enabled could not be set)',
    cpu_pct_one_core_total: totalCpu(f),
    rss_mb_avg: f.rss_mb_avg,
    rss_mb_max: f.rss_mb_max,
    pss_mb_avg: f.pss_mb_avg,
    pss_mb_max: f.pss_mb_max,
    by_process: f.by_process,
  };
}

/** The side-by-side table, the ratios and the targets (averages over each window). */
function comparison(ks: Footprint, netdata: BaselineResult, nodeExporter: BaselineResult): Record<string, unknown> {
  const row = (name: string, r: BaselineResult | { footprint: Footprint }) => ('skipped' in r
    ? `${name.padEnd(14)} skipped: ${r.skipped}`
    : `${name.padEnd(14)} CPU ${totalCpu(r.footprint).toFixed(2).padStart(5)} % of one core   RSS ${r.footprint.rss_mb_avg.toFixed(1).padStart(6)} MB   PSS ${r.footprint.pss_mb_avg.toFixed(1).padStart(6)} MB   (${r.footprint.processes} processes)`);
  const nd = 'footprint' in netdata ? netdata.footprint : undefined;
  const ratio = (a: number, b: number | undefined) => (b ? r2(a / b) : 'n/a (netdata not measured)');
  const cpu = totalCpu(ks);
  return {
    table: [row('netdata', netdata), row('node_exporter', nodeExporter), row('kernelsight', { footprint: ks })],
    kernelsight_over_netdata: {
      cpu: ratio(cpu, nd && totalCpu(nd)), rss: ratio(ks.rss_mb_avg, nd?.rss_mb_avg), pss: ratio(ks.pss_mb_avg, nd?.pss_mb_avg),
    },
    targets: {
      pss: `<= ${TARGET.pss_mb} MB and <= ${TARGET.pss_x_netdata}x netdata's: ${verdict(ks.pss_mb_avg <= TARGET.pss_mb && (!nd || ks.pss_mb_avg <= TARGET.pss_x_netdata * nd.pss_mb_avg))}`,
      rss: `<= ${TARGET.rss_mb} MB: ${verdict(ks.rss_mb_avg <= TARGET.rss_mb)}`,
      cpu: `<= ${TARGET.cpu_pct_one_core}% of one core and <= netdata's: ${verdict(cpu <= TARGET.cpu_pct_one_core && (!nd || cpu <= totalCpu(nd)))}`,
    },
  };
}

/** The CPU load, its signal, and the agent's first action on it. */
async function loadPhase(sys: RealSystem, scope: Scope, dir: string, loadS: number): Promise<Record<string, unknown>> {
  const w = await scope.run({ name: 'stress-ng', cmd: 'stress-ng', args: ['--cpu', '4', '--timeout', `${loadS + 120}s`, '--quiet'] }, dir);
  const t0 = w.startedAt;
  try {
    const fp = measureFootprint(sys.proc.pid!, loadS);
    const sig = await waitFor(() => signals(sys.db).find((s) => s.signal_type === 'cpu_saturation' && s.first_seen >= t0 - SCRAPE_S), 'a cpu_saturation signal', 90_000, 100);
    const seenAt = Date.now() / 1000;
    const ours = () => new Set([w.pid, ...descendants(w.pid).map((p) => p.pid)]);
    const act = await waitFor(() => actions(sys.db).find((r) => r.status === 'executing' && r.target_pid !== null && ours().has(r.target_pid)),
      'the agent to act on stress-ng', (AGENT_S + 60) * 1000, 200);
    const cycle = query<{ started_at: number }>(sys.db, 'SELECT started_at FROM agent_cycles WHERE id = ?', act.cycle_id)[0];
    const opened = (JSON.parse(sig.context_json) as { opened_at?: number }).opened_at ?? sig.first_seen;
    const load = footprintReport(await fp);
    const afterCondition = seenAt - sig.first_seen;
    const actionAfterSignal = act.ts - seenAt;
    const cycleAfterSignal = cycle ? cycle.started_at - seenAt : NaN;
    return {
      load: { workload: 'stress-ng --cpu 4', ...load },
      latency: {
        condition_true_after_start_s: r1(sig.first_seen - t0),
        signal_opened_after_start_s: r1(opened - t0),
        signal_visible_after_start_s: r1(seenAt - t0),
        signal_visible_after_condition_s: r1(afterCondition),
        target_signal: `<= scrape interval + 1 s = ${SCRAPE_S + 1} s after the condition: ${verdict(afterCondition <= SCRAPE_S + 1)}`,
        agent_cycle_after_signal_s: r1(cycleAfterSignal),
        action_after_signal_s: r1(actionAfterSignal),
        action_after_start_s: r1(act.ts - t0),
        target_action: `cycle that acts starts <= one agent interval (${AGENT_S} s) after the signal: ${verdict(cycleAfterSignal <= AGENT_S)}`,
        action: `${act.action} ${act.params_json} on ${act.target_comm} (pid ${act.target_pid})`,
        note: 'the action row is written after the executor\'s before-measurement window (3 s) that follows the cycle start',
      },
    };
  } finally {
    await w.kill();
  }
}

export async function benchSystem(opts: { idleS?: number; loadS?: number } = {}): Promise<Record<string, unknown>> {
  const why = cannotRun();
  if (why) return { skipped: why };
  const idleS = opts.idleS ?? 120;
  const loadS = opts.loadS ?? 60;
  const dir = tempDir('ks-bench-');
  // Reachable by the kernelsight user, as a checkout's data/ is: the system runs as
  // users run it (privileges dropped, the executor as a process of its own).
  fs.chmodSync(dir, 0o755);
  const restoreStats = enableBpfStats();
  let scope: Scope | undefined;
  let sys: RealSystem | undefined;
  try {
    const notInstalled = ensureInstalled([NETDATA, NODE_EXPORTER]);
    process.stderr.write(`[bench] system: netdata idle for ${idleS} s ...\n`);
    const netdata = await measureBaseline(NETDATA, idleS, WARMUP_S, notInstalled.get(NETDATA.name));
    process.stderr.write(`[bench] system: node_exporter idle for ${idleS} s ...\n`);
    const nodeExporter = await measureBaseline(NODE_EXPORTER, idleS, WARMUP_S, notInstalled.get(NODE_EXPORTER.name));
    scope = await Scope.start();
    sys = startSystem(dir, { scrapeInterval: SCRAPE_S, agentInterval: AGENT_S, scopePid: scope.pid });
    const s = sys;
    await waitFor(() => allUp(s), () => `every component up\n${s.output()}`, 60_000);
    await sleep(WARMUP_S * 1000);
    process.stderr.write(`[bench] system: kernelsight idle for ${idleS} s ...\n`);
    const idle = await measureFootprint(s.proc.pid!, idleS);
    process.stderr.write(`[bench] system: stress-ng --cpu 4, waiting for the signal and the agent (up to ${AGENT_S + 60} s) ...\n`);
    const loaded = await loadPhase(s, scope, dir, loadS);
    const stopAt = Date.now();
    const code = await s.stop();
    return {
      config: `npm start defaults: scrape ${SCRAPE_S} s, agent ${AGENT_S} s (live, confined to the benchmark's workload), all four tracers, exporter and dashboard on, nobody looking`,
      idle_compared: comparison(idle, netdata, nodeExporter),
      idle: footprintReport(idle),
      netdata: 'skipped' in netdata ? netdata : { config: netdata.config, ...footprintReport(netdata.footprint) },
      node_exporter: 'skipped' in nodeExporter ? nodeExporter : { config: nodeExporter.config, ...footprintReport(nodeExporter.footprint) },
      ...loaded,
      stop: { exit_code: code, seconds: r1((Date.now() - stopAt) / 1000) },
    };
  } finally {
    await sys?.stop(20_000);
    await scope?.close();
    restoreStats();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string, d: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : d; };
  const r = await benchSystem({ idleS: arg('idle', 120), loadS: arg('load', 60) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
