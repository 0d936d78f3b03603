// Which metrics of a scraped sample have a baseline, and the smallest change of
// each worth a person's attention (minDelta). Metric descriptors (name, entity,
// dedup key) are built once per metric and reused: every scraped sample passes
// through here, and the samples go into a reused buffer, not new objects.
import type { EventType, KsEvent } from '../../../lib/events.js';
import { dedupKey, device, HOST, iface, type Entity } from '../signal.js';
import { BLOCK, NET } from '../thresholds.js';
import { Memo } from '../memo.js';

export interface Metric {
  readonly name: string;
  readonly entity: Entity;
  readonly minDelta: number;
  /** dedup_key of its baseline_anomaly signal. */
  readonly key: string;
}

const metric = (name: string, minDelta: number, entity: Entity = HOST): Metric =>
  ({ name, entity, minDelta, key: dedupKey('baseline_anomaly', entity, name) });

const CPU_BUSY = metric('cpu.busy_pct', 25);
const CPU_IOWAIT = metric('cpu.iowait_pct', 20);
const MEMORY_USED = metric('memory.used_fraction', 0.1);
const LOAD = metric('load.load1_per_cpu', 0.5);
const TCP_RETRANS = metric('tcp.retrans_per_s', 5);
const TCP_TIME_WAIT = metric('tcp.time_wait', 200);
const MAJOR_FAULTS = metric('vmstat.pgmajfault_per_s', 50);

// Descriptors whose name holds a device, interface or PSI resource.
const psiMetrics = new Memo((res) => metric(`psi.${res}.some_avg10`, 10));
const blockMetrics = new Memo((dev) => [metric(`block.${dev}.await_ms`, 10, device(dev)), metric(`block.${dev}.util_pct`, 30, device(dev))]);
const netMetrics = new Memo((name) => [metric(`net.${name}.rx_bytes_per_s`, 1 << 20, iface(name)),
  metric(`net.${name}.tx_bytes_per_s`, 1 << 20, iface(name))]);

/** The event types with baselined metrics (Samples.of finds none in the others). */
export const BASELINED_TYPES: readonly EventType[] = ['cpu', 'memory', 'load', 'psi', 'block', 'net_if', 'tcp', 'vmstat'];

/** The samples of one event: metrics[i] has values[i], for i < count. Reused for every event. */
export class Samples {
  readonly metrics: Metric[] = [];
  readonly values: number[] = [];
  count = 0;

  /** Fill with the baselined metrics of `ev` (none for most event types). */
  of(ev: KsEvent, cpus: number): this {
    this.count = 0;
    switch (ev.type) {
      case 'cpu': this.add(CPU_BUSY, ev.busy_pct); this.add(CPU_IOWAIT, ev.iowait_pct); break;
      case 'memory': if (ev.total_kb > 0) this.add(MEMORY_USED, 1 - ev.available_kb / ev.total_kb); break;
      case 'load': this.add(LOAD, ev.load1 / cpus); break;
      case 'psi': this.add(psiMetrics.get(ev.resource), ev.some_avg10); break;
      case 'block': {
        if (BLOCK.ignore.test(ev.dev)) break;
        const m = blockMetrics.get(ev.dev);
        this.add(m[0], ev.await_ms);
        this.add(m[1], ev.util_pct);
        break;
      }
      case 'net_if': {
        if (NET.ignore.test(ev.iface)) break;
        const m = netMetrics.get(ev.iface);
        this.add(m[0], ev.rx_bytes_per_s);
        this.add(m[1], ev.tx_bytes_per_s);
        break;
      }
      case 'tcp': this.add(TCP_RETRANS, ev.retrans_per_s); this.add(TCP_TIME_WAIT, ev.time_wait); break;
      case 'vmstat': this.add(MAJOR_FAULTS, ev.pgmajfault_per_s); break;
      default: break;
    }
    return this;
  }

  private add(m: Metric, value: number): void {
    this.metrics[this.count] = m;
    this.values[this.count] = value;
    this.count++;
  }
}
