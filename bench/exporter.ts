// The exporter's own cost, as a Prometheus server would load it: the real system
// (`npm start` defaults, exporter included) idle, first with nobody scraping, then
// scraped every 15 s (Prometheus' default interval) for the same window. Reported:
// each scrape's latency and size, and the CPU of the process serving /metrics in
// both windows (from /proc/<pid>/stat), so the cost of being scraped is the
// difference. Under `npm start` that process is the agent's (it hosts the
// exporter); its own cycles run in both windows alike.
//
// Standalone: node dist/bench/exporter.js [--window 60]
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Scope } from '../harness/scope.js';
import { allUp, cannotRun, metricsUrl, startSystem, type RealSystem } from '../harness/system.js';
import { tempDir, waitFor } from '../harness/wait.js';
import { readPidStat } from '../lib/procfs/pid.js';

const SCRAPE_EVERY_S = 15;
const r2 = (x: number) => Math.round(x * 100) / 100;
const TICKS_PER_S = 100;

function exporterCpuPct(pid: number, fromTicks: number, seconds: number): number {
  const now = readPidStat(pid)?.cpuTicks ?? fromTicks;
  return r2(((now - fromTicks) / TICKS_PER_S / seconds) * 100);
}

export async function benchExporter(opts: { windowS?: number } = {}): Promise<Record<string, unknown>> {
  const why = cannotRun();
  if (why) return { skipped: why };
  const windowS = opts.windowS ?? 60;
  const dir = tempDir('ks-bench-exp-');
  const scope = await Scope.start();
  let sys: RealSystem | undefined;
  try {
    sys = startSystem(dir, { scrapeInterval: 5, agentInterval: 60, scopePid: scope.pid });
    const s = sys;
    await waitFor(() => allUp(s), () => `every component up\n${s.output()}`, 60_000);
    const url = await waitFor(() => metricsUrl(s), 'the exporter address', 20_000);
    // The agent's process serves /metrics (an exporter process of its own only with --no-agent).
    const host = s.state()!.components.find((c) => c.name === 'exporter') ?? s.state()!.components.find((c) => c.name === 'agent')!;
    const pid = host.pid!;
    await fetch(url).then((r) => r.text()); // the first scrape only sets the row cursors
    await sleep(20_000);

    process.stderr.write(`[bench] exporter: ${windowS} s not scraped ...\n`);
    let t0 = readPidStat(pid)!.cpuTicks;
    await sleep(windowS * 1000);
    const quiet = exporterCpuPct(pid, t0, windowS);

    process.stderr.write(`[bench] exporter: ${windowS} s scraped every ${SCRAPE_EVERY_S} s ...\n`);
    t0 = readPidStat(pid)!.cpuTicks;
    const started = Date.now();
    const scrapes: Array<{ ms: number; bytes: number; series: number }> = [];
    while (Date.now() - started < windowS * 1000) {
      const a = performance.now();
      const text = await (await fetch(url)).text();
      scrapes.push({ ms: r2(performance.now() - a), bytes: text.length, series: text.split('\n').filter((l) => l && !l.startsWith('#')).length });
      await sleep(Math.max(0, SCRAPE_EVERY_S * 1000 - (performance.now() - a)));
    }
    const scraped = exporterCpuPct(pid, t0, (Date.now() - started) / 1000);
    const ms = scrapes.map((x) => x.ms).sort((x, y) => x - y);
    return {
      config: `npm start defaults (scrape 5 s, agent 60 s, four tracers); /metrics fetched every ${SCRAPE_EVERY_S} s`,
      scrapes: scrapes.length,
      scrape_ms_median: ms[Math.floor(ms.length / 2)],
      scrape_ms_max: ms[ms.length - 1],
      scrape_bytes: scrapes.at(-1)?.bytes,
      series: scrapes.at(-1)?.series,
      serving_process: host.name,
      serving_process_cpu_pct_one_core_not_scraped: quiet,
      serving_process_cpu_pct_one_core_scraped: scraped,
      serving_process_rss_mb: r2(((readPidStat(pid)?.rssPages ?? 0) * 4096) / 1048576),
    };
  } finally {
    await sys?.stop(20_000);
    await scope.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--window');
  const r = await benchExporter({ windowS: i > 0 ? Number(process.argv[i + 1]) : 60 });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
