// A real Alertmanager (Debian's `prometheus-alertmanager`) for tests, on a free
// loopback port, no clustering, routing every alert at once to a webhook the test
// runs, with resolved notifications on: what it sends there is what a pager or a
// chat integration would get.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

export interface Notification { readonly status: 'firing' | 'resolved'; readonly labels: Record<string, string>; readonly annotations: Record<string, string> }

export interface Alertmanager {
  readonly url: string;
  /** Every alert the webhook received, in order. */
  readonly received: Notification[];
  /** Stop the server (the webhook stays), e.g. to test a receiver that went away. */
  stop(): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startAlertmanager(dir: string): Promise<Alertmanager> {
  const received: Notification[] = [];
  const hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      try { received.push(...((JSON.parse(body) as { alerts: Notification[] }).alerts)); } catch { /* not ours */ }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  const port = await freePort();
  const config = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(config, [
    'route:', '  receiver: hook', "  group_by: ['alertname', 'signal_id', 'action_id']", '  group_wait: 1s', '  group_interval: 1s', '  repeat_interval: 1h',
    'receivers:', '  - name: hook', '    webhook_configs:', `      - url: ${hookUrl}`, '        send_resolved: true', '',
  ].join('\n'));
  const url = `http://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const logFile = path.join(dir, 'alertmanager.log');
  const start = async () => {
    const log = fs.openSync(logFile, 'a');
    proc = spawn(ALERTMANAGER, [`--config.file=${config}`, `--storage.path=${path.join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', '--log.level=warn'], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok, () => `alertmanager ready at ${url}: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`, 30_000, 250);
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (p.exitCode === null) p.kill('SIGKILL');
  };
  await start();
  return { url, received, start, stop, async close() { await stop(); await new Promise((r) => hook.close(r)); } };
}
