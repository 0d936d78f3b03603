// A real Prometheus (Debian's `prometheus` package) for tests: started on a free
// loopback port with a temp TSDB and a generated scrape config, queried through
// its HTTP API, stopped with the test.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { freePort } from './ports.js';
import path from 'node:path';
import { waitFor } from './wait.js';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';

export interface Prometheus {
  readonly url: string;
  /** An instant query's vector: [{ metric labels, value }]. */
  query(q: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  stop(): Promise<void>;
}

export async function startPrometheus(dir: string, targets: readonly string[], scrapeS = 2): Promise<Prometheus> {
  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, [
    'global:', `  scrape_interval: ${scrapeS}s`, `  evaluation_interval: ${scrapeS}s`,
    'scrape_configs:', '  - job_name: kernelsight', '    static_configs:', `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`, '',
  ].join('\n'));
  const log = fs.openSync(path.join(dir, 'prometheus.log'), 'a');
  const proc: ChildProcess = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', log, log] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok, () => `prometheus ready at ${url}: ${fs.readFileSync(path.join(dir, 'prometheus.log'), 'utf8').slice(-2000)}`, 30_000, 250);
  return {
    url,
    async query(q) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = await res.json() as { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      if (body.status !== 'success') throw new Error(`PromQL ${q}: ${body.error}`);
      if (body.data!.resultType === 'scalar') return [{ metric: {}, value: Number((body.data!.result as unknown as [number, string])[1]) }];
      return body.data!.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
      fs.closeSync(log);
    },
  };
}
