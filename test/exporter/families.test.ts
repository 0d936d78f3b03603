// The exporter's pure parts: log2 slots as Prometheus buckets, the listen
// address, the syscall classes, and deploy/'s dashboard and rules naming only
// metrics the exporter serves. (Against real servers: prometheus.test.ts and beside it.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agentMetrics } from '../../exporter/agent-metrics.js';
import { ExportStats } from '../../exporter/export-stats.js';
import { hostMetrics } from '../../exporter/host-metrics.js';
import { latencyMetrics, syscallClass } from '../../exporter/latency-metrics.js';
import { Log2Histogram } from '../../exporter/log2-histogram.js';
import { isLoopback, parseListen } from '../../lib/listen.js';
import { ROOT } from '../../lib/paths.js';

test('log2 slots become cumulative buckets in seconds at the slot edges; sums as given', () => {
  const h = new Log2Histogram();
  const slots: number[] = [];
  slots[3] = 5; // < 1 µs: counted in the first bucket
  slots[20] = 2; // [2^20, 2^21) ns ≈ 1.05-2.1 ms
  slots[36] = 1; // past the last finite bucket: only in +Inf
  h.add(slots, 9e6);
  const s = h.samples({ device: 'vda' });
  const bucket = (le: string) => s.find((x) => x.suffix === '_bucket' && x.labels?.le === le)?.value;
  assert.equal(bucket(String(2 ** 10 / 1e9)), 5);
  assert.equal(bucket(String(2 ** 20 / 1e9)), 5, 'slot 20 is above 2^20 ns');
  assert.equal(bucket(String(2 ** 21 / 1e9)), 7);
  assert.equal(bucket(String(2 ** 35 / 1e9)), 7);
  assert.equal(bucket('+Inf'), 8);
  assert.equal(s.find((x) => x.suffix === '_count')?.value, 8);
  assert.equal(s.find((x) => x.suffix === '_sum')?.value, 0.009);
  const les = s.filter((x) => x.suffix === '_bucket').map((x) => x.labels!.le!);
  assert.deepEqual([...les].sort((a, b) => (a === '+Inf' ? 1 : b === '+Inf' ? -1 : Number(a) - Number(b))), les, 'buckets in increasing order');
});

test('--metrics-listen: host:port forms, bad ones rejected; syscall classes are a fixed set', () => {
  assert.deepEqual(parseListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListen('[::1]:9464'), { host: '::1', port: 9464 });
  assert.deepEqual(parseListen(':9464'), { host: '0.0.0.0', port: 9464 });
  for (const bad of ['9464', 'localhost', '1.2.3.4:99999', 'a:b']) assert.throws(() => parseListen(bad), /expected host:port/);
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && !isLoopback('0.0.0.0'));
  assert.equal(syscallClass('fsync'), 'sync');
  assert.equal(syscallClass('evil"label'), 'other');
});

test('deploy/: every metric the Grafana dashboard and the alert rules use is one the exporter serves', () => {
  const served = new Set([hostMetrics(), latencyMetrics(), agentMetrics('/nonexistent/k.db'), new ExportStats()].flatMap((m) => m.families.map((f) => f.name)));
  const files = ['deploy/grafana/kernelsight-dashboard.json', 'deploy/prometheus/kernelsight-alerts.yml'];
  for (const f of files) {
    const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
    const used = new Set([...text.matchAll(/\bkernelsight_[A-Za-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')));
    assert.ok(used.size > 3, `${f} uses kernelsight metrics`);
    for (const name of used) assert.ok(served.has(name), `${f} uses ${name}, which the exporter does not serve`);
  }
  JSON.parse(fs.readFileSync(path.join(ROOT, files[0]!), 'utf8'));
});
