// SystemMetricsClassifier: the scraper's /proc and /sys samples become system,
// device and interface signals. Each rule lives in system/<area>.ts; this file
// only routes events. PSI arrives as its own event and is read from HostState.
import type { StoredEvent } from '../../observer.js';
import { type Classifier, NONE, type Observation } from '../signal.js';
import type { HostState } from '../host-state.js';
import { MemoryRules } from './system/memory.js';
import { oomKills, swapThrashing } from './system/swap.js';
import { cpuSaturation, runawayProcess } from './system/cpu.js';
import { blockSaturation } from './system/block.js';
import { networkDegradation, tcpExhaustion, tcpRetransmits } from './system/network.js';

export class SystemMetricsClassifier implements Classifier {
  readonly name = 'system-metrics';
  readonly types = ['memory', 'vmstat', 'cpu', 'process', 'block', 'net_if', 'tcp'] as const;
  private readonly memory: MemoryRules;

  constructor(private readonly host: HostState) {
    this.memory = new MemoryRules(host);
  }

  classify(stored: StoredEvent): readonly Observation[] {
    const ev = stored.event;
    switch (ev.type) {
      case 'memory': return this.memory.onMemory(stored, ev);
      case 'vmstat': return [...swapThrashing(stored, ev, this.host), ...oomKills(stored, ev, this.host)];
      case 'cpu': return cpuSaturation(stored, ev, this.host);
      case 'process': return runawayProcess(stored, ev, this.host);
      case 'block': return blockSaturation(stored, ev, this.host);
      case 'net_if': return networkDegradation(stored, ev);
      case 'tcp': return [...tcpExhaustion(stored, ev), ...tcpRetransmits(stored, ev)];
      default: return NONE;
    }
  }
}
