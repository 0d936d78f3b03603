// Orderly stop, the reverse of the start order: the agent first, then the
// producers (signalled together, newest first, so a slow one does not delay the
// others), then — once their last lines are merged — ingest gets EOF on stdin,
// drains and exits. Every step is SIGTERM to the whole process group and tree,
// SIGKILL after a timeout.
import type { SupervisedChild } from './child.js';
import type { LineMerger } from './line-merger.js';

export interface StopTimeouts {
  /** SIGTERM → SIGKILL for agent and producers (and for ingest after its drain). */
  readonly graceMs: number;
  /** How long ingest may take to drain after EOF before it is signalled. */
  readonly drainMs: number;
}

export async function stopAll(children: readonly SupervisedChild[], merger: LineMerger, t: StopTimeouts): Promise<void> {
  const reversed = [...children].reverse();
  for (const c of reversed.filter((c) => c.spec.role === 'worker')) await c.stop(t.graceMs);
  await Promise.all(reversed.filter((c) => c.spec.role === 'producer').map((c) => c.stop(t.graceMs)));
  const sinks = reversed.filter((c) => c.spec.role === 'sink');
  if (sinks.some((s) => s.alive)) await merger.flush(t.drainMs);
  await Promise.all(sinks.map((s) => s.stop(t.graceMs, { closeStdinFirst: true, drainMs: t.drainMs })));
}
