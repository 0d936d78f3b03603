// block_device_saturation from /sys/block/<dev>/stat rates: the device is busy
// nearly all the time AND requests queue or wait. On a multi-queue SSD "util 100%"
// alone means only "never idle", so the queue depth / await decide the severity.
import type { StoredEvent } from '../../../observer.js';
import type { EventOf } from '../../../../lib/events.js';
import { ladderScore, ladderSeverity } from '../../severity.js';
import { maxSeverity, type Severity } from '../../../../lib/severity.js';
import { dedupKey, device, LazyObservation, NONE, type Gate, type Level, type Observation } from '../../signal.js';
import type { HostState } from '../../host-state.js';
import { BLOCK, metricGate } from '../../thresholds.js';
import { kib, ms, compact, pct, who } from '../../../../lib/format.js';
import { processIdentity } from '../../proc.js';
import { Memo } from '../../memo.js';

const keys = new Memo((dev) => dedupKey('block_device_saturation', device(dev)));

export function blockSaturation(stored: StoredEvent, ev: EventOf<'block'>, host: HostState): readonly Observation[] {
  if (BLOCK.ignore.test(ev.dev)) return NONE;
  const busy = ev.util_pct >= BLOCK.utilEnter;
  const severity = busy ? maxSeverity(ladderSeverity(ev.queue_depth, BLOCK.queueDepth), ladderSeverity(ev.await_ms, BLOCK.awaitMs)) : 'none';
  const hold = ev.util_pct >= BLOCK.utilExit && (ev.queue_depth >= BLOCK.queueExit || ev.await_ms >= BLOCK.awaitExitMs);
  const level = severity !== 'none' ? 'enter' : hold ? 'hold' : 'exit';
  const key = keys.get(ev.dev);
  const gate = metricGate(ev.interval_s);
  // An idle or healthy device (nearly every sample) is an exit, which needs no draft.
  return [level === 'exit' ? { key, ts: ev.ts, level, gate } : saturated(stored, ev, host, key, level, gate, severity)];
}

function saturated(stored: StoredEvent, ev: EventOf<'block'>, host: HostState, key: string, level: Level, gate: Gate,
  severity: Severity): Observation {
  const entity = device(ev.dev);
  return new LazyObservation(key, ev.ts, level, gate, severity, () => {
    const io = host.ioTop.get(ev.dev);
    const topIo = io && Math.abs(ev.ts - io.ts) <= host.maxAgeS ? io : undefined;
    const blocked = host.blocked(ev.ts);
    const culprit = topIo ? `; top I/O: ${who(topIo.comm, topIo.pid)}` : blocked[0] ? `; waiting on disk: ${who(blocked[0].comm, blocked[0].pid)}` : '';
    return {
      category: 'symptom', type: 'block_device_saturation', scope: 'device', label: 'Block device saturation', severity,
      // pressure_score = (util_pct/100) * max(ladder(queue depth), ladder(await ms))
      score: Math.round((Math.min(100, ev.util_pct) / 100) *
        Math.max(ladderScore(ev.queue_depth, BLOCK.queueDepth), ladderScore(ev.await_ms, BLOCK.awaitMs)) * 1000) / 1000,
      summary: `${ev.dev} saturated: busy ${pct(ev.util_pct, 0)} of the time, ${compact(ev.queue_depth, 1)} requests queued on average, ` +
        `${ms(ev.await_ms)} per request, ${kib(ev.read_kb_per_s)}/s read and ${kib(ev.write_kb_per_s)}/s written${culprit}`,
      patterns: [
        ...(ev.queue_depth >= BLOCK.queueDepth[1] ? ['deep_queue'] : []),
        ...(ev.await_ms >= BLOCK.awaitMs[0] ? ['slow_requests'] : []),
        ev.write_kb_per_s > ev.read_kb_per_s ? 'write_heavy' : 'read_heavy',
      ],
      hints: ['Lower the I/O priority (ionice) of the top I/O process if it is batch work',
        'Processes in D state (blocked_processes) are waiting for this device',
        'Queue depth with low await is a busy but healthy device; await climbing with it is congestion'],
      entity,
      context: {
        dev: ev.dev, util_pct: ev.util_pct, queue_depth: ev.queue_depth, in_flight: ev.in_flight, await_ms: ev.await_ms,
        reads_per_s: ev.reads_per_s, writes_per_s: ev.writes_per_s, read_kb_per_s: ev.read_kb_per_s,
        write_kb_per_s: ev.write_kb_per_s, interval_s: ev.interval_s,
        top_io: topIo ? { pid: topIo.pid, start_time: processIdentity(topIo.pid, topIo.comm).startTime, comm: topIo.comm } : null,
        blocked_processes: blocked,
        thresholds: { util_enter: BLOCK.utilEnter, util_exit: BLOCK.utilExit, queue_depth: BLOCK.queueDepth, await_ms: BLOCK.awaitMs },
      },
      source: { table: stored.table, id: stored.rowId },
    };
  });
}
