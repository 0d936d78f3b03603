// Under `npm start` the readers (/metrics, the dashboard) run inside the agent's
// process: they serve while the agent runs, and an address that is taken costs
// the endpoint, never the agent (it says which address and how to fix it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { execa } from 'execa';
import { freePort } from '../../harness/ports.js';
import { waitFor } from '../../harness/wait.js';
import { DIST } from '../../lib/paths.js';
import { tempDb } from '../fixtures/agent/db.js';

const AGENT = path.join(DIST, 'agent', 'main.js');
const skip = process.getuid?.() !== 0 ? 'the agent runs live only as root (this test runs it --once)' : false;

async function listener(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}

test('the agent hosts /metrics and the dashboard, and a taken address costs the endpoint, not the agent', { skip, timeout: 120_000 }, async (t) => {
  const tdb = tempDb();
  t.after(() => tdb.cleanup());
  const logDir = path.join(tdb.dir, 'logs');
  const taken = await listener();
  t.after(() => { taken.server.close(); });

  // --once: one cycle, then exit 0. The metrics address is taken; the dashboard's is free.
  const agent = await execa(process.execPath, [AGENT, '--db', tdb.file, '--log-dir', logDir, '--once', '--dry-run',
    '--scope-pid', String(process.pid), '--metrics-listen', `127.0.0.1:${taken.port}`, '--web-listen', '127.0.0.1:0'],
  { reject: false, env: { KS_LLM_PROVIDER: 'none' }, timeout: 90_000 });
  assert.equal(agent.exitCode, 0, agent.stderr);
  assert.match(agent.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken.port}: .*EADDRINUSE.*--metrics-listen HOST:PORT, or --no-metrics`));
  const agentLog = fs.readFileSync(path.join(logDir, 'agent.log'), 'utf8');
  assert.match(agentLog, /readers not started/);
  assert.match(agentLog, /cycle 1/, 'the agent ran its cycle anyway');

  // Both free: the same process serves /metrics and the dashboard while its cycle runs.
  const port = await freePort();
  const child = execa(process.execPath, [AGENT, '--db', tdb.file, '--log-dir', logDir, '--interval', '3600', '--dry-run',
    '--scope-pid', String(process.pid), '--metrics-listen', `127.0.0.1:${port}`, '--web-listen', '127.0.0.1:0'],
  { reject: false, env: { KS_LLM_PROVIDER: 'none' } });
  t.after(() => { child.kill('SIGKILL'); });
  const exporterLog = path.join(logDir, 'exporter.log');
  let metrics = '';
  for (let i = 0; i < 100 && !metrics.includes('kernelsight_'); i++) {
    await new Promise((r) => setTimeout(r, 200));
    metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
  }
  assert.match(metrics, /^# HELP kernelsight_/m, 'the agent\'s process serves /metrics');
  // /metrics may answer before the logger has written the dashboard's line (winston writes asynchronously).
  const logged = () => { try { return /serving the dashboard on ([0-9.]+):(\d+)/.exec(fs.readFileSync(exporterLog, 'utf8')); } catch { return null; } };
  const web = await waitFor(logged, () => `the dashboard address in exporter.log: ${fs.existsSync(exporterLog) ? fs.readFileSync(exporterLog, 'utf8').slice(-400) : 'no file'}`, 15_000).catch(() => null);
  assert.ok(web, 'the dashboard address is logged in exporter.log');
  const page = await fetch(`http://${web[1]}:${web[2]}/api/overview`);
  assert.equal(page.status, 200, 'the dashboard answers (its app loads at this first request)');
  child.kill('SIGTERM');
  const done = await child;
  assert.equal(done.exitCode, 0, done.stderr);
});
