// The dashboard with 24 h of data: a real recording (the scraper's and the I/O
// tracer's NDJSON of a memory grower and a dd storm, 145 s at 1 s) stretched to
// the default 5 s scrape interval and laid end to end over 24 hours, stored by
// the real ingest. Then the process that serves it (the exporter, --web-listen)
// is asked what a browser asks: the overview and the 24 h charts (server time,
// median of 10), and Debian's chromium loads the overview at the 24 h range
// (navigation to rendered charts, median of 5).
//
// Standalone: node dist/bench/web.js
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, noBrowser } from '../harness/browser.js';
import { ingestEvents, readRecording } from '../harness/replay.js';
import { tempDir, waitFor } from '../harness/wait.js';
import { DIST, ROOT } from '../lib/paths.js';
import { readPidStat } from '../lib/procfs/pid.js';

const RECORDING = path.join(ROOT, 'test', 'fixtures', 'classifiers', 'history.ndjson');
const DAY_S = 86_400;
const STRETCH = 5;
const r1 = (x: number) => Math.round(x * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** 24 h of recorded data ending now, through the real ingest; returns the events stored. */
export async function fillDay(dbFile: string, logDir: string): Promise<number> {
  const events = readRecording(RECORDING);
  const t0 = events[0]!.ts;
  const tileS = (events.at(-1)!.ts - t0 + 1) * STRETCH;
  const start = Date.now() / 1000 - DAY_S;
  const tiles = Math.ceil(DAY_S / tileS);
  function* day() { for (let tile = 0; tile < tiles; tile++) yield events.map((e) => ({ ...e, ts: start + tile * tileS + (e.ts - t0) * STRETCH })); }
  const code = await ingestEvents(dbFile, logDir, day());
  if (code !== 0) throw new Error(`ingest exited ${code}`);
  return events.length * tiles;
}

async function timed(url: string): Promise<{ ms: number; bytes: number }> {
  const a = performance.now();
  const body = await (await fetch(url)).text();
  return { ms: performance.now() - a, bytes: body.length };
}

export async function benchWeb(): Promise<Record<string, unknown>> {
  const dir = tempDir('ks-bench-web-');
  const dbFile = path.join(dir, 'kernelsight.db');
  let server: ChildProcess | undefined;
  try {
    const t0 = Date.now();
    const events = await fillDay(dbFile, dir);
    const fillS = (Date.now() - t0) / 1000;
    server = spawn(process.execPath, [path.join(DIST, 'exporter', 'main.js'), '--db', dbFile, '--listen', 'none', '--web-listen', '127.0.0.1:0', '--log-dir', dir],
      { stdio: 'ignore', env: { ...process.env, KS_SUPERVISED: '1' } });
    const log = path.join(dir, 'exporter.log');
    const base = await waitFor(() => {
      const m = fs.existsSync(log) && /serving the dashboard on ([0-9.]+):(\d+)/.exec(fs.readFileSync(log, 'utf8'));
      return m ? `http://${m[1]}:${m[2]}` : undefined;
    }, 'the dashboard to listen', 30_000);
    await timed(`${base}/api/overview`); // warm: first statement preparation, page cache
    const overview: number[] = [];
    const chart: number[] = [];
    let chartBytes = 0;
    for (let i = 0; i < 10; i++) {
      overview.push((await timed(`${base}/api/overview`)).ms);
      const c = await timed(`${base}/api/charts?range=24h`);
      chart.push(c.ms);
      chartBytes = c.bytes;
    }
    const out: Record<string, unknown> = {
      data: `${events} recorded events laid over 24 h at a 5 s scrape (stored in ${r1(fillS)} s by the real ingest)`,
      db_mb: r1(fs.statSync(dbFile).size / 1048576),
      api_overview_ms_median: r1(median(overview)),
      api_charts_24h_ms_median: r1(median(chart)),
      api_charts_24h_kb: r1(chartBytes / 1024),
    };
    const why = noBrowser();
    if (why) return { ...out, page_load: `skipped: ${why}` };
    const browser = await launchBrowser();
    try {
      const loads: number[] = [];
      for (let i = 0; i < 5; i++) {
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        await ctx.addInitScript(() => localStorage.setItem('ks-range', '24h'));
        const page = await ctx.newPage();
        const a = performance.now();
        await page.goto(`${base}/#/`);
        await page.waitForFunction(() => document.body.dataset.ready === '#/' && document.querySelectorAll('section.chart canvas').length >= 4, null, { timeout: 30_000 });
        loads.push(performance.now() - a);
        await ctx.close();
      }
      out.page_load_24h_ms_median = r1(median(loads));
      out.page_load_24h_ms_max = r1(Math.max(...loads));
    } finally { await browser.close(); }
    out.server_rss_mb = r1(((readPidStat(server.pid!)?.rssPages ?? 0) * 4096) / 1048576);
    out.targets = 'page load < 1000 ms with 24 h of data';
    return out;
  } finally {
    if (server && server.exitCode === null) { server.kill('SIGTERM'); await once(server, 'exit'); }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await benchWeb(), null, 2)}\n`);
}
