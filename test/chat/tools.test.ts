// The read-only tools against a database the real pipeline filled (with the
// classifiers on, so baselines exist) and the live host: results hold the rows'
// numbers, are bounded, and bad arguments come back as errors a model can act on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, type Db } from '../../lib/db.js';
import { readPidStatus } from '../../lib/procfs/pid.js';
import { runTool } from '../../chat/tools/index.js';
import type { ToolContext } from '../../chat/tools/types.js';
import { fillDb, type FilledDb } from '../fixtures/chat/pipeline.js';
import { insertSignals } from '../fixtures/chat/signals.js';

let data: FilledDb;
let db: Db;
let ctx: ToolContext;

before(async () => {
  data = await fillDb({ seconds: 3, classify: true });
  insertSignals(data.file, Array.from({ length: 40 }, (_, i) => ({ type: 'baseline_anomaly', severity: 'low' as const, summary: `anomaly ${i} ${'x'.repeat(300)}` })));
  db = openDatabase(data.file, { readonly: true });
  ctx = { db, nowS: () => Date.now() / 1000 };
});
after(() => { db?.close(); data?.cleanup(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function ok(name: string, args: unknown = {}, maxChars?: number): Promise<any> {
  const r = await runTool(ctx, name, args, maxChars);
  assert.ok(r.ok, `${name}: ${r.ok ? '' : r.error}`);
  return r.result;
}

const r4 = (x: number) => Math.round(x * 10000) / 10000;

test('baseline_compare: z-score of the newest value against the stored baseline', async () => {
  const b = db.prepare("SELECT * FROM baseline_snapshots WHERE metric = 'memory.used_fraction'").get() as { count: number; mean: number; m2: number } | undefined;
  assert.ok(b, 'ingest wrote a memory baseline');
  const cur = (db.prepare('SELECT used_fraction FROM memory_metrics ORDER BY timestamp DESC LIMIT 1').get() as { used_fraction: number }).used_fraction;
  const r = await ok('baseline_compare', { metric: 'memory.used_fraction' });
  assert.equal(r.current, r4(cur));
  assert.equal(r.samples, b.count);
  const sd = Math.sqrt(b.m2 / (b.count - 1));
  assert.equal(r.z, sd > 1e-9 ? r4((cur - b.mean) / sd) : null);
  const list = await ok('baseline_compare', { limit: 3 });
  assert.equal(list.baselines.length, 3);
  const bad = await runTool(ctx, 'baseline_compare', { metric: 'nope.metric' });
  assert.ok(!bad.ok && /no baseline for "nope\.metric"; baselines exist for: .*memory\.used_fraction/.test(bad.error));
});

test('metric_history and trend_projection on per-device metrics; bad names list what exists', async () => {
  const dev = (db.prepare('SELECT dev FROM block_stats ORDER BY id DESC LIMIT 1').get() as { dev: string }).dev;
  const rows = db.prepare('SELECT util_pct FROM block_stats WHERE dev = ?').all(dev) as Array<{ util_pct: number }>;
  const h = await ok('metric_history', { metric: `block.${dev}.util_pct`, minutes: 60 });
  assert.equal(h.n, rows.length);
  assert.equal(h.max, r4(Math.max(...rows.map((r) => r.util_pct))));
  const p = await ok('trend_projection', { metric: 'cpu.busy_pct', minutes_ahead: 30 });
  assert.equal(p.n, (db.prepare('SELECT COUNT(*) AS n FROM cpu_metrics').get() as { n: number }).n);
  assert.ok(p.r2 >= 0 && p.r2 <= 1 && p.projected >= 0 && p.projected <= 100, JSON.stringify(p));
  const noDev = await runTool(ctx, 'metric_history', { metric: 'block.util_pct' });
  assert.ok(!noDev.ok && noDev.error.includes(`dev values: `) && noDev.error.includes(dev), noDev.ok ? '' : noDev.error);
  const noCol = await runTool(ctx, 'metric_history', { metric: 'cpu.busy_pct; DROP TABLE x' });
  assert.ok(!noCol.ok && /cpu has no column/.test(noCol.error));
  const missing = await runTool(ctx, 'metric_history', {});
  assert.ok(!missing.ok && /metric is required/.test(missing.error));
  const unknown = await runTool(ctx, 'run_shell', { cmd: 'reboot' });
  assert.ok(!unknown.ok && /unknown tool "run_shell"/.test(unknown.error));
});

test('top_processes measures /proc now and finds a process holding memory', async (t) => {
  const hog: ChildProcess = spawn(process.execPath, ['-e', 'const b = Buffer.alloc(400e6, 1); process.title = "kschat-memhog"; setInterval(() => b[0]++, 1000)'], { stdio: 'ignore' });
  t.after(async () => { if (hog.exitCode === null) { const e = once(hog, 'exit'); hog.kill('SIGKILL'); await e; } });
  await once(hog, 'spawn');
  for (let i = 0; i < 100; i++) {
    const rss = readPidStatus(hog.pid!)?.vmRssKb ?? 0;
    if (rss > 380_000) break;
    await sleep(50);
  }
  const r = await ok('top_processes', { by: 'memory', limit: 15 });
  assert.equal(r.source, '/proc now');
  const mine = r.processes.find((p: { pid: number }) => p.pid === hog.pid);
  assert.ok(mine && mine.rss_mb > 370, JSON.stringify(r.processes.slice(0, 5)));
  assert.ok(r.processes.every((p: { comm: string }) => p.comm.startsWith('"')), 'names quoted');
  const rec = await ok('top_processes', { by: 'cpu', source: 'recorded' });
  const t0 = (db.prepare("SELECT MAX(timestamp) AS t FROM process_metrics WHERE rank_by = 'cpu'").get() as { t: number }).t;
  const n = (db.prepare("SELECT COUNT(*) AS n FROM process_metrics WHERE rank_by = 'cpu' AND timestamp = ?").get(t0) as { n: number }).n;
  assert.equal(rec.processes.length, Math.min(8, n));
});

test('system_logs, sysctl_check and disk_usage read the host, bounded', async () => {
  const logs = await ok('system_logs', { source: 'kernel', lines: 3 });
  assert.ok(logs.kernel.lines.length <= 3);
  for (const l of logs.kernel.lines) assert.match(l, /^".*"$/, 'each line quoted');
  const none = await ok('system_logs', { source: 'kernel', contains: 'no-such-text-zq' });
  assert.equal(none.kernel.matched, 0);
  const s = await ok('sysctl_check');
  const swappiness = s.settings.find((x: { key: string }) => x.key === 'vm.swappiness');
  assert.equal(swappiness.value, fs.readFileSync('/proc/sys/vm/swappiness', 'utf8').trim());
  assert.equal(swappiness.status, Number(swappiness.value) >= 1 && Number(swappiness.value) <= 60 ? 'ok' : 'outside_recommended');
  const d = await ok('disk_usage');
  const root = d.filesystems.find((f: { mount: string }) => f.mount === '"/"');
  const st = fs.statfsSync('/');
  assert.ok(root && Math.abs(root.size_gb - (st.blocks * st.bsize) / 1024 ** 3) < 0.01);
});

test('results are bounded: many long signals are cut to the limit and say so', async () => {
  const full = await ok('recent_signals', { limit: 40 });
  assert.ok(JSON.stringify(full).length > 3000, 'the raw result is large');
  const cut = await ok('recent_signals', { limit: 40 }, 3000);
  assert.ok(JSON.stringify(cut).length <= 3000, `got ${JSON.stringify(cut).length}`);
  assert.equal(cut.truncated, true);
  assert.ok(cut.signals.length >= 1 && cut.signals.length < full.signals.length);
  const open = await ok('open_signals', { limit: 500 });
  assert.ok(open.signals.length <= 30, 'limit clamped to the tool maximum');
});
