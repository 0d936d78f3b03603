// Alerts into a real Alertmanager (Debian's package): `npm start --alertmanager URL`
// pushes a cpu_saturation signal as an alert, Alertmanager notifies our webhook
// (firing, then resolved when the signal resolves). With Alertmanager stopped
// mid-run the failed pushes are counted on /metrics, SQLite keeps every signal,
// and the resolution is delivered once it is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { ALERTMANAGER, startAlertmanager, type Alertmanager } from '../../harness/alertmanager.js';
import { Scope } from '../../harness/scope.js';
import { allUp, cannotRun, metricsUrl, signals, startSystem, type RealSystem } from '../../harness/system.js';
import { tempDir, waitFor } from '../../harness/wait.js';

const skip = cannotRun() || (!fs.existsSync(ALERTMANAGER) && `${ALERTMANAGER} missing: npm test's setup installs Debian's prometheus-alertmanager`);

async function metric(url: string, re: RegExp): Promise<number> {
  const text = await (await fetch(url)).text();
  const m = re.exec(text);
  return m ? Number(m[1]) : 0;
}

test('npm start --alertmanager: a cpu_saturation signal fires in Alertmanager and resolves; a down Alertmanager is counted and caught up', { skip, timeout: 420_000 }, async (t) => {
  const dir = tempDir('ks-am-');
  const scope = await Scope.start();
  let sys: RealSystem | undefined;
  let am: Alertmanager | undefined;
  let load: ChildProcess | undefined;
  t.after(async () => {
    load?.kill('SIGKILL');
    await sys?.stop(20_000);
    await am?.close();
    await scope.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  am = await startAlertmanager(dir);
  const a = am;
  sys = startSystem(dir, { scrapeInterval: 2, agentInterval: 600, scopePid: scope.pid, startArgs: ['--alertmanager', a.url] });
  const s = sys;
  await waitFor(() => allUp(s), () => `every component up\n${s.output()}`, 60_000);
  const url = await waitFor(() => metricsUrl(s), 'the exporter to log its address', 20_000);

  load = spawn('stress-ng', ['--cpu', '4', '--timeout', '120s', '--quiet'], { stdio: 'ignore' });
  const firing = await waitFor(() => a.received.find((n) => n.status === 'firing' && n.labels.signal_type === 'cpu_saturation'),
    () => `a firing cpu_saturation alert at the webhook; got ${JSON.stringify(a.received.map((n) => [n.status, n.labels.signal_type]))}`, 120_000, 500);
  assert.equal(firing.labels.alertname, 'KernelSightSignal');
  assert.ok(firing.labels.host && firing.labels.severity && firing.labels.entity && firing.labels.signal_id, JSON.stringify(firing.labels));
  assert.ok(firing.annotations.summary, 'the summary is an annotation');
  const id = Number(firing.labels.signal_id);

  // Alertmanager goes away while the signal is open; then the signal resolves.
  await a.stop();
  const failures = () => metric(url, /^kernelsight_export_failures_total\{exporter="alertmanager"\} (\S+)/m);
  const failed0 = await failures();
  await waitFor(async () => (await failures()) > failed0, 'failed pushes counted on /metrics', 60_000, 1000);
  assert.ok((await metric(url, /^kernelsight_export_dropped_total\{exporter="alertmanager",kind="firing"\} (\S+)/m)) > 0, 'the undelivered alerts counted as dropped');
  load.kill('SIGKILL');
  await waitFor(() => signals(s.db).find((x) => x.signal_id === id)?.status === 'resolved', `signal ${id} resolved in SQLite`, 180_000, 1000);
  assert.ok(signals(s.db).some((x) => x.signal_id === id), 'the signal is still in SQLite');

  await a.start();
  const resolved = await waitFor(() => a.received.find((n) => n.status === 'resolved' && n.labels.signal_id === String(id)),
    'the resolution delivered once Alertmanager is back', 120_000, 500);
  assert.equal(resolved.labels.signal_type, firing.labels.signal_type);
});
