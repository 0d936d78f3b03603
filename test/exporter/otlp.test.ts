// OTLP/HTTP: `npm start` with OTEL_EXPORTER_OTLP_ENDPOINT pushes the same metric
// families as /metrics and every signal and action as log records with an
// event.name, to an in-test receiver that decodes the protobuf. A collector that
// answers 503 for a while: the failures and drops are counted on /metrics and
// SQLite loses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Scope } from '../../harness/scope.js';
import { allUp, cannotRun, metricsUrl, query, startSystem, type RealSystem } from '../../harness/system.js';
import { tempDir, waitFor } from '../../harness/wait.js';
import { runaway } from '../../harness/workloads.js';
import { startOtlpReceiver, type OtlpReceiver } from '../fixtures/exporter/otlp-receiver.js';

const skip = cannotRun();

test('OTLP: metrics by name and log records with event.name for signals and an action; a 503 collector is counted, SQLite keeps everything', { skip, timeout: 300_000 }, async (t) => {
  const dir = tempDir('ks-otlp-');
  const scope = await Scope.start();
  let sys: RealSystem | undefined;
  let rx: OtlpReceiver | undefined;
  t.after(async () => {
    await sys?.stop(20_000);
    await scope.close();
    await rx?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  rx = await startOtlpReceiver();
  const r = rx;
  sys = startSystem(dir, {
    scrapeInterval: 2, agentInterval: 10, scopePid: scope.pid, agentArgs: ['--settle', '5', '--measure', '2'],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_METRIC_EXPORT_INTERVAL: '2000', OTEL_BLRP_SCHEDULE_DELAY: '500', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test' },
  });
  const s = sys;
  await waitFor(() => allUp(s), () => `every component up\n${s.output()}`, 60_000);

  const want = ['kernelsight_cpu_seconds_total', 'kernelsight_pressure_cpu_waiting_seconds_total', 'kernelsight_memory_mem_available_bytes', 'kernelsight_runqueue_latency_seconds', 'kernelsight_component_up'];
  await waitFor(() => r.metrics.some((names) => want.every((w) => names.includes(w))), () => `a metrics batch with ${want.join(', ')}; got ${JSON.stringify(r.metrics.at(-1))}`, 60_000, 500);

  await scope.run(runaway(4, 90), dir);
  const executed = await waitFor(() => r.logs.find((l) => l.eventName === 'kernelsight.action.executed'),
    () => `a kernelsight.action.executed log record; got ${JSON.stringify([...new Set(r.logs.map((l) => l.eventName))])}`, 150_000, 500);
  assert.equal(executed.attributes['event.name'], 'kernelsight.action.executed');
  assert.ok(typeof executed.attributes['kernelsight.action.name'] === 'string' && typeof executed.attributes['kernelsight.target.pid'] === 'number', JSON.stringify(executed.attributes));
  const opened = r.logs.find((l) => l.eventName === 'kernelsight.signal.opened');
  assert.ok(opened && typeof opened.attributes['kernelsight.signal.type'] === 'string' && typeof opened.body === 'string', JSON.stringify(opened));

  // The collector goes down: exports fail (retried, then dropped and counted); ingest is unaffected.
  const url = metricsUrl(s)!;
  const signals0 = query<{ n: number }>(s.db, 'SELECT COUNT(*) AS n FROM signal_metadata')[0]!.n;
  r.down = true;
  const failures = async () => Number(/^kernelsight_export_failures_total\{exporter="otlp"\} (\S+)/m.exec(await (await fetch(url)).text())?.[1] ?? 0);
  await waitFor(async () => (await failures()) > 0, 'failed OTLP exports counted on /metrics', 90_000, 1000);
  assert.ok(r.requests.some((q) => q.status === 503), 'the exporter tried the down collector');
  r.down = false;
  await sleep(3000);
  assert.ok(query<{ n: number }>(s.db, 'SELECT COUNT(*) AS n FROM signal_metadata')[0]!.n >= signals0, 'no signal lost in SQLite');
  const after = r.metrics.length;
  await waitFor(() => r.metrics.length > after, 'metrics flowing again once the collector is back', 60_000, 500);
});
