// The Prometheus exporter against real servers: the system `npm start` runs
// (exporter included) is scraped by Debian's Prometheus, queried in PromQL, and
// its output passes `promtool check metrics`; deploy/'s config and rules pass
// `promtool check config/rules`. The pure parts: families.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../../lib/paths.js';
import { PROMETHEUS, PROMTOOL, startPrometheus, type Prometheus } from '../../harness/prometheus.js';
import { Scope } from '../../harness/scope.js';
import { allUp, cannotRun, metricsUrl, signals, startSystem, type RealSystem } from '../../harness/system.js';
import { tempDir, waitFor } from '../../harness/wait.js';

const promSkip = cannotRun() || (!fs.existsSync(PROMETHEUS) || !fs.existsSync(PROMTOOL) ? `${PROMETHEUS} / ${PROMTOOL} missing: npm test's setup installs Debian's prometheus package (apt-get install prometheus)` : false);

test('deploy/: the scrape config and the alert rules pass promtool', { skip: !fs.existsSync(PROMTOOL) && `${PROMTOOL} missing` }, () => {
  const dir = path.join(ROOT, 'deploy', 'prometheus');
  const run = (...args: string[]) => spawnSync(PROMTOOL, args, { encoding: 'utf8' });
  const rules = run('check', 'rules', path.join(dir, 'kernelsight-alerts.yml'));
  assert.equal(rules.status, 0, rules.stdout + rules.stderr);
  const config = run('check', 'config', '--syntax-only', path.join(dir, 'prometheus.yml'));
  assert.equal(config.status, 0, config.stdout + config.stderr);
});

test('npm start\'s exporter: promtool-clean /metrics; Prometheus sees CPU pressure rise under stress-ng, the open signal, a finite block-latency quantile after dd oflag=direct', { skip: promSkip, timeout: 300_000 }, async (t) => {
  const dir = tempDir('ks-prom-');
  const scope = await Scope.start();
  let sys: RealSystem | undefined;
  let prom: Prometheus | undefined;
  let load: ChildProcess | undefined;
  t.after(async () => {
    load?.kill('SIGKILL');
    await prom?.stop();
    await sys?.stop(20_000);
    await scope.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  sys = startSystem(dir, { scrapeInterval: 2, agentInterval: 600, scopePid: scope.pid });
  const s = sys;
  await waitFor(() => allUp(s), () => `every component up\n${s.output()}`, 60_000);
  const url = await waitFor(() => metricsUrl(s), 'the exporter to log its address', 20_000);

  // The exposition format, as Prometheus' own linter sees it.
  await fetch(url); // counting starts by the first scrape at the latest
  await sleep(5_000);
  const text = await (await fetch(url)).text();
  const lint = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(lint.status, 0, `promtool check metrics:\n${lint.stdout}${lint.stderr}`);
  for (const family of ['kernelsight_cpu_seconds_total', 'kernelsight_pressure_cpu_waiting_seconds_total', 'kernelsight_memory_mem_available_bytes',
    'kernelsight_runqueue_latency_seconds_bucket', 'kernelsight_component_up', 'kernelsight_ingest_rejected_lines_total']) {
    assert.match(text, new RegExp(`^${family}[{ ]`, 'm'), `${family} in /metrics`);
  }
  assert.doesNotMatch(text, /\b(pid|comm)="/, 'no pid or comm labels');

  prom = await startPrometheus(dir, [new URL(url).host]);
  const p = prom;
  const one = async (q: string) => (await p.query(q))[0]?.value;
  await waitFor(async () => (await one('up{job="kernelsight"}')) === 1, 'Prometheus scraping the exporter', 30_000, 500);

  load = spawn('stress-ng', ['--cpu', '4', '--timeout', '90s', '--quiet'], { stdio: 'ignore' });
  const v0 = await waitFor(async () => one('kernelsight_pressure_cpu_waiting_seconds_total'), 'the CPU pressure counter in Prometheus', 30_000, 500);
  await waitFor(async () => ((await one('kernelsight_pressure_cpu_waiting_seconds_total')) ?? 0) > v0 + 1, 'CPU pressure rising by > 1 s under stress-ng', 60_000, 1000);
  await waitFor(() => signals(s.db).some((x) => x.signal_type === 'cpu_saturation' && x.status === 'open'), 'a cpu_saturation signal in SQLite', 90_000, 1000);
  await waitFor(async () => (await one('sum(kernelsight_signals_open{type="cpu_saturation"})')) === 1, 'the open-signal gauge at 1 in Prometheus', 30_000, 1000);
  load.kill('SIGKILL');

  execFileSync('dd', ['if=/dev/zero', `of=${path.join(dir, 'direct.bin')}`, 'bs=1M', 'count=64', 'oflag=direct', 'status=none']);
  const q = 'histogram_quantile(0.99, sum by (le) (rate(kernelsight_block_io_latency_seconds_bucket{op="write"}[1m])))';
  const p99 = await waitFor(async () => { const v = await one(q); return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined; }, `a finite ${q}`, 60_000, 1000);
  t.diagnostic(`p99 block write latency after dd oflag=direct: ${(p99 * 1000).toFixed(2)} ms`);
});
