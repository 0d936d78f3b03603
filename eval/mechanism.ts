// Does an action's kernel mechanism do anything on this host? A `helped` verdict
// for one that does not is VERIFY crediting a coincidence. The agent refuses such
// actions itself (agent/actions/mechanism.ts, refusal mechanism_not_applicable);
// the eval checks independently, from the outside, the two known cases:
// - lower_io_priority with io_class best-effort: levels within best-effort are a
//   BFQ feature; mq-deadline and none ignore them.
// - set_sysctl net.ipv4.tcp_fin_timeout against TIME_WAIT: it bounds FIN_WAIT2;
//   TIME_WAIT lasts a fixed 60 s (TCP_TIMEWAIT_LEN) whatever it says.
import { diskHolding } from '../agent/actions/mechanism.js';

/** The I/O scheduler of the disk holding `dir` ("mq-deadline", "bfq", "none"), null when unknown. */
export function ioSchedulerFor(dir: string): string | null {
  return diskHolding(dir)?.scheduler ?? null;
}

export interface MechanismFacts {
  /** The I/O scheduler where the scenario's I/O goes. */
  readonly ioScheduler: string | null;
}

/** The TCP states the cited signals counted (their context), when they did. */
export interface TcpEvidence { readonly time_wait?: number; readonly fin_wait2?: number }

export function mechanismNoop(action: string, params: Record<string, unknown>, verification: Record<string, unknown> | null,
  facts: MechanismFacts, tcp: readonly TcpEvidence[]): string | null {
  const own = verification?.mechanism as { applies?: unknown; reason?: unknown } | undefined;
  const flag = verification?.mechanism_applies ?? own?.applies;
  if (flag === false) return typeof own?.reason === 'string' ? own.reason : 'the agent recorded that its mechanism does not apply here';
  if (flag === true) return null;
  if (action === 'lower_io_priority' && params.io_class === 'best-effort' && facts.ioScheduler !== 'bfq') {
    return `best-effort levels need BFQ; the disk uses ${facts.ioScheduler ?? 'an unknown scheduler'}`;
  }
  if (action === 'set_sysctl' && params.key === 'net.ipv4.tcp_fin_timeout') {
    const tw = Math.max(0, ...tcp.map((e) => e.time_wait ?? 0));
    const fw2 = Math.max(0, ...tcp.map((e) => e.fin_wait2 ?? 0));
    if (tw >= fw2) return `tcp_fin_timeout bounds FIN_WAIT2 (${fw2}), not TIME_WAIT (${tw}), which lasts a fixed 60 s`;
  }
  return null;
}
