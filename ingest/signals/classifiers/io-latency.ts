// IoLatencyClassifier: block request latency percentiles from io_latency_tracer
// become device io_congestion signals, one per device and operation
// (`io_congestion|device|vda|write`): reads and writes of one disk can suffer apart,
// and each tracer line is one (device, op, interval) so each key gets one sample
// per interval, as the duration gate expects. Fewer than IO_LATENCY.minCount
// requests say nothing reliable about p95 and count as "not congested".
import type { StoredEvent } from '../../observer.js';
import type { EventOf } from '../../../lib/events.js';
import { ladderScore, ladderSeverity } from '../severity.js';
import { dedupKey, device, LazyObservation, type Classifier, NONE, type Observation } from '../signal.js';
import { BLOCK, IO_LATENCY, metricGate } from '../thresholds.js';
import { ms, compact, who } from '../../../lib/format.js';
import { processIdentity } from '../proc.js';

export class IoLatencyClassifier implements Classifier {
  readonly name = 'io-latency';
  readonly types = ['io_latency'] as const;

  classify(stored: StoredEvent): readonly Observation[] {
    const ev = stored.event;
    return ev.type === 'io_latency' && !BLOCK.ignore.test(ev.dev) ? this.judge(stored, ev) : NONE;
  }

  // Apart from classify, which sees every event: the draft's closure context is allocated only here.
  private judge(stored: StoredEvent, ev: EventOf<'io_latency'>): readonly Observation[] {
    const entity = device(ev.dev);
    const p95 = ev.p95_us / 1000;
    const enough = ev.count >= IO_LATENCY.minCount;
    const severity = enough ? ladderSeverity(p95, IO_LATENCY.p95Ms) : 'none';
    const hold = enough && p95 >= IO_LATENCY.exitMs;
    const level = severity !== 'none' ? 'enter' : hold ? 'hold' : 'exit';
    const key = dedupKey('io_congestion', entity, ev.op);
    return [new LazyObservation(key, ev.ts, level, metricGate(ev.interval_s), severity, () => {
      const top = ev.top_pid !== undefined
        ? { pid: ev.top_pid, start_time: processIdentity(ev.top_pid, ev.top_comm).startTime, comm: ev.top_comm ?? '' }
        : undefined;
      return {
        category: 'symptom', type: 'io_congestion', scope: 'device', label: 'I/O congestion', severity,
        // pressure_score = ladder(p95 latency ms)
        score: ladderScore(p95, IO_LATENCY.p95Ms),
        summary: `${ev.dev} ${ev.op}s slow: p95 ${ms(p95)}, p99 ${ms(ev.p99_us / 1000)}, max ${ms(ev.max_us / 1000)} ` +
          `over ${compact(ev.count)} requests (${compact(ev.iops)} IOPS)` + (top ? `; top I/O: ${who(top.comm, top.pid)}` : ''),
        patterns: [`slow_${ev.op}s`, ...(ev.p99_us > 4 * ev.p50_us && ev.p50_us > 0 ? ['long_tail'] : [])],
        hints: ['p50 low but p99 high: a few requests wait behind others (queueing, flushes)',
          'Everything slow: the device or its backend is slow; see block_device_saturation for queueing',
          'The top I/O process (context top_io) is the first candidate for ionice'],
        entity,
        context: {
          dev: ev.dev, op: ev.op, count: ev.count, bytes: ev.bytes, iops: ev.iops, p50_us: ev.p50_us, p95_us: ev.p95_us,
          p99_us: ev.p99_us, max_us: ev.max_us, mean_us: ev.mean_us, interval_s: ev.interval_s, top_io: top ?? null,
          thresholds: { p95_ms: IO_LATENCY.p95Ms, exit_ms: IO_LATENCY.exitMs, min_count: IO_LATENCY.minCount },
        },
        source: { table: stored.table, id: stored.rowId },
      };
    })];
  }
}
