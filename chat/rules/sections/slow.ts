// "Why is it slow?": which resource tasks are waiting for (PSI stall time is the
// direct measure), backed by utilisation, queueing and paging numbers; then the
// open signals and who is busy right now.
import { escapeUntrusted } from '../../../lib/sanitize.js';
import { num, pct } from '../../../lib/format.js';
import { isoLocal } from '../../../lib/time.js';
import type { RulesContext } from '../context.js';
import { latestBlock, latestCpu, latestLoad, latestPsi, latestVm, psiOf } from '../facts.js';
import { procLines } from '../lines.js';
import { signalSection, topicSignals } from '../signals.js';

interface Cause { readonly stall: number; readonly text: string }

export async function slow(ctx: RulesContext): Promise<string[]> {
  const { db } = ctx;
  const psi = latestPsi(db);
  const pc = psiOf(psi, 'cpu')?.some_avg10 ?? 0, pm = psiOf(psi, 'memory')?.some_avg10 ?? 0, pi = psiOf(psi, 'io')?.some_avg10 ?? 0;
  const c = latestCpu(db), l = latestLoad(db), vm = latestVm(db);
  const worst = latestBlock(db).sort((a, b) => b.await_ms - a.await_ms)[0];
  const causes: Cause[] = [];
  if (pc >= 20 || (c && c.busy_pct >= 90) || (l && l.load1_per_cpu >= 1.5)) {
    causes.push({ stall: pc, text: `CPU contention: tasks waited for a CPU ${pct(pc)} of the last 10 s; CPU ${pct(c?.busy_pct)} busy, load ${num(l?.load1_per_cpu)} per CPU, ${c?.procs_running ?? 'n/a'} runnable` });
  }
  if (pi >= 10 || (c && c.iowait_pct >= 20) || (worst && worst.await_ms >= 50)) {
    causes.push({ stall: pi, text: `I/O waits: tasks stalled on I/O ${pct(pi)} of the last 10 s; iowait ${pct(c?.iowait_pct)}${worst ? `, slowest device ${escapeUntrusted(worst.dev, 20)} await ${num(worst.await_ms)} ms at ${pct(worst.util_pct)} utilisation` : ''}` });
  }
  if (pm >= 5 || (vm && (vm.pswpout_per_s >= 100 || vm.pgmajfault_per_s >= 100))) {
    causes.push({ stall: pm, text: `memory pressure: tasks stalled on memory ${pct(pm)} of the last 10 s; ${num(vm?.pgmajfault_per_s)} major faults/s, swap-out ${num(vm?.pswpout_per_s)} pages/s` });
  }
  causes.sort((a, b) => b.stall - a.stall);
  const at = psi[0]?.timestamp ?? c?.timestamp;
  const out: string[] = [];
  if (causes.length === 0) {
    out.push(`Nothing on this host looks saturated${at ? ` at ${isoLocal(at)}` : ''}: stall time cpu ${pct(pc)}, memory ${pct(pm)}, io ${pct(pi)} (PSI some, 10 s); CPU ${pct(c?.busy_pct)} busy, load ${num(l?.load1_per_cpu)} per CPU${worst ? `, slowest device ${escapeUntrusted(worst.dev, 20)} await ${num(worst.await_ms)} ms` : ''}. If one program is slow, the cause may be inside it or on another host.`);
  } else {
    out.push(`Most likely cause${at ? ` (at ${isoLocal(at)})` : ''}: ${causes[0]!.text}.`);
    for (const x of causes.slice(1)) out.push(`Also: ${x.text}.`);
  }
  out.push(...signalSection(topicSignals(db, null, ctx.nowS(), 6), ''));
  try {
    const top = await ctx.topNow('cpu');
    out.push(`Busiest processes now (over ${top.window_s} s at ${top.measured_at}):`, ...procLines(top.processes.slice(0, 3), 'cpu'));
  } catch { /* /proc unreadable: the numbers above still stand */ }
  return out;
}
