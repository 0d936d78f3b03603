// A fleet on one machine: three hosts simulated as network namespaces, each
// running `npm start` (scraper, ingest and the exporter; no tracers, no agent)
// with the exporter on its own address, scraped by one real Prometheus on the
// host. One PromQL query returns all three by instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROMETHEUS, startPrometheus, type Prometheus } from '../../harness/prometheus.js';
import { cannotRun, startSystem, type RealSystem } from '../../harness/system.js';
import { tempDir, waitFor } from '../../harness/wait.js';

const HOSTS = 3;
const skip = cannotRun() || (!fs.existsSync(PROMETHEUS) && `${PROMETHEUS} missing: npm test's setup installs Debian's prometheus`);
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

test('three hosts in network namespaces, each with its own scraper, ingest and exporter, scraped by one Prometheus: one query returns all three by instance', { skip, timeout: 240_000 }, async (t) => {
  const dir = tempDir('ks-fleet-');
  const tag = String(process.pid % 10000);
  const net = 200 + (process.pid % 50); // 10.<net>.<host>.0/24, unlikely to meet another run's
  const hosts = Array.from({ length: HOSTS }, (_, i) => ({ ns: `ks-fleet-${tag}-${i + 1}`, hostIf: `ksf${tag}h${i + 1}`, nsIf: `ksf${tag}n${i + 1}`, addr: `10.${net}.${i + 1}.2` }));
  const systems: RealSystem[] = [];
  let prom: Prometheus | undefined;
  t.after(async () => {
    await prom?.stop();
    await Promise.all(systems.map((s) => s.stop(20_000)));
    for (const h of hosts) { try { ip('netns', 'del', h.ns); } catch { /* not made */ } try { ip('link', 'del', h.hostIf); } catch { /* gone with the namespace */ } }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  hosts.forEach((h, i) => {
    ip('netns', 'add', h.ns);
    ip('link', 'add', h.hostIf, 'type', 'veth', 'peer', 'name', h.nsIf);
    ip('link', 'set', h.nsIf, 'netns', h.ns);
    ip('addr', 'add', `10.${net}.${i + 1}.1/24`, 'dev', h.hostIf);
    ip('link', 'set', h.hostIf, 'up');
    ip('netns', 'exec', h.ns, 'ip', 'addr', 'add', `${h.addr}/24`, 'dev', h.nsIf);
    ip('netns', 'exec', h.ns, 'ip', 'link', 'set', h.nsIf, 'up');
    ip('netns', 'exec', h.ns, 'ip', 'link', 'set', 'lo', 'up');
  });
  for (const h of hosts) {
    const d = path.join(dir, h.ns);
    fs.mkdirSync(d, { mode: 0o700 });
    systems.push(startSystem(d, { scrapeInterval: 2, agentInterval: 600, scopePid: process.pid, netns: h.ns, metricsListen: `${h.addr}:9464`, startArgs: ['--no-agent', '--no-tracers'] }));
  }
  for (const s of systems) {
    await waitFor(() => { const st = s.state(); return st && ['ingestion', 'scraper', 'exporter'].every((n) => st.components.find((c) => c.name === n)?.state === 'up'); },
      () => `ingestion, scraper and exporter up in ${s.dir}\n${s.output()}`, 60_000);
  }
  prom = await startPrometheus(dir, hosts.map((h) => `${h.addr}:9464`));
  const p = prom;
  const q = 'sum by (instance) (kernelsight_cpu_seconds_total)';
  const rows = await waitFor(async () => { const r = await p.query(q); return r.length === HOSTS && r.every((x) => x.value > 0) ? r : undefined; },
    `${q} to return ${HOSTS} instances`, 90_000, 1000);
  assert.deepEqual(rows.map((r) => r.metric.instance).sort(), hosts.map((h) => `${h.addr}:9464`).sort());
  // Each host reports its own interfaces: the veth end in its namespace.
  const ifaces = await p.query('count by (instance, device) (kernelsight_network_receive_bytes_total)');
  for (const h of hosts) assert.ok(ifaces.some((r) => r.metric.instance === `${h.addr}:9464` && r.metric.device === h.nsIf), `${h.nsIf} on ${h.addr}: ${JSON.stringify(ifaces.map((r) => r.metric))}`);
});
