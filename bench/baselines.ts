// The systems KernelSight's footprint is measured against, run here the way
// their users run them, from Debian's packages:
//   - Netdata (`netdata`): in the foreground (-D) with its defaults (1 s
//     resolution, the default plugins), the host monitor people compare with;
//   - node_exporter (`prometheus-node-exporter`): its defaults, not scraped, the
//     floor for "metrics only".
// Each is measured with the same harness as KernelSight (harness/footprint.ts).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { measureFootprint, type Footprint } from '../harness/footprint.js';
import { freePort } from '../harness/ports.js';

export interface Baseline {
  readonly name: string;
  readonly debianPackage: string;
  readonly binary: string;
  /** How its users start it; the process is the root of the tree measured. */
  args(): Promise<string[]>;
  /** What the measurement says it ran. */
  readonly config: string;
}

export const NETDATA: Baseline = {
  name: 'netdata',
  debianPackage: 'netdata',
  binary: '/usr/sbin/netdata',
  args: async () => ['-D'],
  config: 'Debian netdata in the foreground (netdata -D), its defaults: 1 s resolution, default plugins',
};

export const NODE_EXPORTER: Baseline = {
  name: 'node_exporter',
  debianPackage: 'prometheus-node-exporter',
  binary: '/usr/bin/prometheus-node-exporter',
  // Its default collectors; only the port differs, so a node_exporter already on 9100 does not clash.
  args: async () => [`--web.listen-address=127.0.0.1:${await freePort()}`],
  config: 'Debian prometheus-node-exporter, default collectors, not scraped',
};

/**
 * Install the baselines' packages when missing (root only). Package scripts
 * would start their services; a policy-rc.d that refuses, for the install only,
 * keeps a second copy from running behind the measurement.
 */
export function ensureInstalled(baselines: readonly Baseline[]): Map<string, string> {
  const why = new Map<string, string>();
  const missing = baselines.filter((b) => !fs.existsSync(b.binary));
  if (missing.length === 0) return why;
  if (process.getuid?.() !== 0) {
    for (const b of missing) why.set(b.name, `${b.binary} is missing: sudo apt-get install ${b.debianPackage}`);
    return why;
  }
  const policy = '/usr/sbin/policy-rc.d';
  const ours = !fs.existsSync(policy);
  if (ours) fs.writeFileSync(policy, '#!/bin/sh\n# kernelsight bench: no service starts during its install\nexit 101\n', { mode: 0o755 });
  try {
    process.stderr.write(`[bench] installing ${missing.map((b) => b.debianPackage).join(' ')} (apt-get)\n`);
    const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', ...missing.map((b) => b.debianPackage)],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8' });
    for (const b of missing) {
      if (!fs.existsSync(b.binary)) why.set(b.name, `apt-get install ${b.debianPackage} failed: ${(r.stderr ?? '').trim().split('\n').at(-1) ?? `exit ${r.status}`}`);
    }
  } finally {
    if (ours) fs.rmSync(policy, { force: true });
  }
  return why;
}

/** A copy already running (a service) would be measured twice or clash: say so instead. */
function alreadyRunning(b: Baseline): string | undefined {
  const r = spawnSync('pgrep', ['-f', `^${b.binary}( |$)|^${b.name}( |$)`], { encoding: 'utf8' });
  const pids = (r.stdout ?? '').trim().split('\n').filter(Boolean);
  return pids.length ? `${b.name} is already running (pid ${pids.join(', ')}): stop it (e.g. systemctl stop ${b.debianPackage}) to measure it side by side` : undefined;
}

export type BaselineResult = { config: string; footprint: Footprint } | { skipped: string };

/** Run one baseline, let it warm up, measure its whole tree for `seconds`, stop it. */
export async function measureBaseline(b: Baseline, seconds: number, warmupS: number, skipped?: string): Promise<BaselineResult> {
  const why = skipped ?? alreadyRunning(b);
  if (why) return { skipped: why };
  const proc = spawn(b.binary, await b.args(), { detached: true, stdio: 'ignore' });
  try {
    await sleep(warmupS * 1000);
    if (proc.exitCode !== null) return { skipped: `${b.name} exited with code ${proc.exitCode} during its warm-up` };
    return { config: b.config, footprint: await measureFootprint(proc.pid!, seconds) };
  } finally {
    await stop(proc);
  }
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timeout = sleep(20_000).then(() => 'timeout');
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ }
    await exited;
  }
  // Its plugins are in its process group (detached above); none may outlive it.
  try { execFileSync('pkill', ['-KILL', '-g', String(proc.pid)], { stdio: 'ignore' }); } catch { /* none left */ }
}
