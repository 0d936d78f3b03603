// Soak: the real system (`npm start` defaults: scrape every 5 s, agent every 60 s,
// agent live) on an idle machine opens no medium-or-worse signal and takes no
// action; its own CPU share and memory are reported. KS_SOAK_SECONDS sets the
// length (default 120 s for `npm test`; the issue's full soak is 600 s):
//   npm run soak   (= KS_SOAK_SECONDS=600 node --test dist/test/e2e/soak.test.js)
// KS_BPF_STATS=1 also counts the eBPF programs' run time (it turns on
// kernel.bpf_stats_enabled for the run, and puts the old value back).
//
// This machine is shared: when other work loads it during the soak (another test
// run, or more than a quarter of a core used by others), a medium signal may be
// that work's, not a false alarm, so the signal check is skipped with the reason.
// "No action" is checked whatever happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readSystemCounters } from '../../agent/proc/system.js';
import { measureFootprint } from '../../harness/footprint.js';
import { enableBpfStats, otherTestRuns } from '../../harness/procs.js';
import { Scope } from '../../harness/scope.js';
import { actions, allUp, cannotRun, query, signals, startSystem, type RealSystem } from '../../harness/system.js';
import { tempDir, waitFor } from '../../harness/wait.js';
import { descendants } from '../../lib/procfs/tree.js';

const SECONDS = Number(process.env.KS_SOAK_SECONDS ?? 120);
const skip = cannotRun();

/** Busy CPU of the whole host in jiffies (all CPUs), from /proc/stat. */
const hostBusyTicks = (): number => readSystemCounters().cpuBusy;

test(`soak: ${SECONDS} s idle: no medium+ signal, no action; the system's own CPU and RSS reported`, { skip, timeout: (SECONDS + 120) * 1000 }, async (t) => {
  assert.ok(Number.isFinite(SECONDS) && SECONDS >= 30, `KS_SOAK_SECONDS must be >= 30, got ${process.env.KS_SOAK_SECONDS}`);
  const dir = tempDir('ks-soak-');
  let sys: RealSystem | undefined;
  // An empty scope: the agent runs live but has no process it may touch.
  const scope = await Scope.start();
  const restoreStats = process.env.KS_BPF_STATS === '1' ? enableBpfStats() : () => undefined;
  t.after(async () => {
    restoreStats();
    await sys?.stop(20_000);
    await scope.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  sys = startSystem(dir, { scrapeInterval: 5, agentInterval: 60, scopePid: scope.pid });
  const s = sys;
  await waitFor(() => allUp(s), () => `every component up\n${s.output()}`, 60_000);
  await sleep(10_000); // start-up (loading BPF programs, first scrapes) is not steady state

  const busy0 = hostBusyTicks();
  const t0 = Date.now();
  const others = new Set<number>();
  const ours = new Set<string>();
  const trackOurs = () => { for (const d of descendants(s.proc.pid!)) ours.add(`${d.pid}:${d.startTime}`); };
  trackOurs();
  const watch = setInterval(() => { for (const p of otherTestRuns()) others.add(p); trackOurs(); }, 10_000);
  let fp;
  try {
    fp = await measureFootprint(s.proc.pid!, SECONDS);
  } finally {
    clearInterval(watch);
  }
  const wall = (Date.now() - t0) / 1000;
  const hostPct = (hostBusyTicks() - busy0) / wall; // jiffies are 1/100 s: ticks per second = % of one core
  const othersPct = Math.max(0, hostPct - fp.cpu_pct_one_core - (fp.bpf_cpu_pct_one_core ?? 0));
  t.diagnostic(`footprint: ${JSON.stringify(fp)}`);
  t.diagnostic(`host busy ${hostPct.toFixed(1)}% of one core, of which others ${othersPct.toFixed(1)}%; other test runs seen: ${others.size} processes`);

  const st = s.state()!;
  for (const c of st.components) {
    assert.equal(c.state, 'up', `${c.name} is ${c.state}: ${c.reason ?? ''}`);
    assert.equal(c.restarts, 0, `${c.name} restarted`);
  }
  const cycles = query<{ n: number }>(s.db, 'SELECT COUNT(*) AS n FROM agent_cycles')[0]?.n ?? 0;
  assert.ok(cycles >= Math.floor(SECONDS / 60), `the agent ran ${cycles} cycles in ${SECONDS} s`);

  const acted = actions(s.db);
  assert.deepEqual(acted.map((r) => `#${r.id} ${r.action} ${r.status} ${r.target_key ?? ''}`), [], 'the agent took (or proposed) an action on an idle machine');

  const all = signals(s.db);
  t.diagnostic(`signals: ${all.map((x) => `${x.signal_type} ${x.max_severity} ${x.entity_id ?? ''}: ${x.summary}`).join(' | ') || 'none'}`);
  const loud = all.filter((x) => ['medium', 'high', 'critical'].includes(x.max_severity));
  // A process of someone else's that really blocked is that process's trouble, not a false alarm of ours.
  const othersOnly = loud.length > 0 && loud.every((x) => x.entity_type === 'process' && x.entity_id !== null && !ours.has(x.entity_id));
  const noisy = others.size > 0 || othersPct > 25 || othersOnly;
  if (loud.length && noisy) {
    t.skip(`machine not idle (others used ${othersPct.toFixed(0)}% of a core, ${others.size} processes of other test runs): ${loud.length} medium+ signals not judged: ${loud.map((x) => x.summary).join('; ')}`);
    return;
  }
  assert.deepEqual(loud.map((x) => `${x.signal_type} ${x.max_severity}: ${x.summary}`), [], 'medium+ signals on an idle machine');

  assert.equal(await s.stop(), 0, 'clean stop');
});
